#!/bin/sh
# Trunk post_build hook (web/Trunk.toml): writes into the staged sw.js the build's
# version (a hash over every file of the build) and the list of files the service
# worker caches, so that each release installs a new worker with its own cache.
# Runs in trunk's staging directory (TRUNK_STAGING_DIR), before dist/ is replaced.
set -eu
dir="${1:-${TRUNK_STAGING_DIR:?run by trunk as a post_build hook, or pass the build directory}}"
cd "$dir"
[ -f sw.js ] || { echo "sw-stamp: no sw.js in $dir" >&2; exit 1; }

# Every file but the worker itself, index.html (cached under "/") and precompressed copies.
files="$(find . -type f ! -name sw.js ! -name index.html ! -name '*.br' ! -name '*.gz' | sed 's|^\./|/|' | LC_ALL=C sort)"
build="$(
  {
    printf '%s\n' "$files"
    cat index.html
    printf '%s\n' "$files" | sed 's|^/||' | while IFS= read -r f; do [ -n "$f" ] && cat "$f"; done
  } | sha256sum | cut -c1-16
)"
assets="$(printf '%s\n' "$files" | sed '/^$/d; s|.*|"&"|' | paste -sd, - | sed 's/,/, /g')"

tmp="sw.js.tmp"
sed -e "s|__JECO_BUILD__|$build|" -e "s|/\* __JECO_ASSETS__ \*/|$assets|" sw.js >"$tmp"
mv "$tmp" sw.js
grep -q "$build" sw.js || { echo "sw-stamp: sw.js has no __JECO_BUILD__ marker" >&2; exit 1; }
echo "sw-stamp: build $build, $(printf '%s\n' "$files" | sed '/^$/d' | wc -l) files"
