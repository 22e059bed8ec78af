#!/usr/bin/env bash
# `make bench-web`: builds the web app (trunk, precompressed) and the release server, then
# measures the web app in Chromium (bench/web/load.mjs): bundle sizes, cold load and warm
# reload (bytes, time until the conversation list is interactive), and a 5000-message
# conversation scrolled back to its start (DOM nodes, JS heap); 3 runs, medians, written
# to bench/results/web.md and web.json. Extra arguments go to the script, e.g.
#   scripts/bench-web.sh --quick        or        make bench-web BENCH_ARGS="--runs 5"
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

have node || apt_install nodejs npm
[ -x "${JECO_CHROMIUM:-/usr/bin/chromium}" ] || apt_install chromium
if [ ! -d "$ROOT/e2e/node_modules/playwright-core" ]; then
  step "installing the e2e packages (npm ci in e2e/, for playwright-core)"
  (cd "$ROOT/e2e" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
fi

build_web
build_api

step "provisioning PostgreSQL for the bench"
if [ -n "${JECO_E2E_DATABASE_URL:-}" ]; then
  bench_db="$JECO_E2E_DATABASE_URL"
else
  ensure_postgres
  bench_db="$PG_BASE_URL"
fi

step "running the web load benchmark (node bench/web/load.mjs)"
JECO_BIN="$JECO_BIN" JECO_E2E_DATABASE_URL="$bench_db" exec node bench/web/load.mjs "$@"
