#!/usr/bin/env bash
# `make bench-search`: builds the release server and runs the message search benchmark
# (seeds 1,000,000 messages into a throwaway database; a few minutes). Extra arguments go to
# `jeco-bench search` (see bench/README.md), e.g.
#   scripts/bench-search.sh --quick        or        make bench-search BENCH_ARGS="--messages 300000"
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

build_api

step "provisioning PostgreSQL for the bench"
if [ -n "${DATABASE_URL:-}" ]; then
  bench_db="$DATABASE_URL"
else
  ensure_postgres
  bench_db="$PG_BASE_URL"
fi

step "running the search benchmark (cargo run --release -p jeco-bench -- search)"
exec cargo run --release -p jeco-bench -- search --jeco-bin "$JECO_BIN" --database-url "$bench_db" "$@"
