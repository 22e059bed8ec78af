#!/usr/bin/env bash
# `make bench-media`: builds the release server and runs the media upload benchmark:
# a 12 MP JPEG and a ~1 MB Ogg/Opus voice note, uploaded by 1 and 8 uploaders at once
# (uploads/s, PUT p50/p99, the server's peak RSS growth), next to ImageMagick
# thumbnailing the same JPEG (installed here when missing). Extra arguments go to
# `jeco-bench media` (see bench/README.md), e.g.
#   scripts/bench-media.sh --quick        or        make bench-media BENCH_ARGS="--jpeg-uploads 32"
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

step "installing the reference tool (ImageMagick) when missing"
# In a subshell: apt_install exits on failure, and the bench reports a missing reference instead.
(apt_install imagemagick) || warn "ImageMagick could not be installed; the report will have no reference ratio"

build_api

step "provisioning PostgreSQL for the bench"
if [ -n "${DATABASE_URL:-}" ]; then
  bench_db="$DATABASE_URL"
else
  ensure_postgres
  bench_db="$PG_BASE_URL"
fi

step "running the media benchmark (cargo run --release -p jeco-bench -- media)"
exec cargo run --release -p jeco-bench -- media --jeco-bin "$JECO_BIN" --database-url "$bench_db" "$@"
