#!/usr/bin/env bash
# `make bench`: builds the release server and runs the fan-out benchmark against it.
# Extra arguments go to `jeco-bench run` (see bench/README.md), e.g.
#   scripts/bench.sh --quick        or        make bench BENCH_ARGS="--members 10,100"
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

step "running the benchmark (cargo run --release -p jeco-bench)"
exec cargo run --release -p jeco-bench -- run --jeco-bin "$JECO_BIN" --database-url "$bench_db" "$@"
