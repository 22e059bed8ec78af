#!/usr/bin/env bash
# `make soak`: builds the release server and runs a bounded soak against it: a
# steady send rate while subscribers churn (connect, subscribe, drop, resume);
# RSS, open files and threads must return to their baseline and nothing may be
# lost or doubled. Extra arguments go to `jeco-bench soak`, e.g.
#   scripts/soak.sh --quick        or        make soak SOAK_ARGS="--minutes 5 --subscribers 200"
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

build_api

step "provisioning PostgreSQL for the soak"
if [ -n "${DATABASE_URL:-}" ]; then
  soak_db="$DATABASE_URL"
else
  ensure_postgres
  soak_db="$PG_BASE_URL"
fi

step "running the soak (cargo run --release -p jeco-bench -- soak)"
exec cargo run --release -p jeco-bench -- soak --jeco-bin "$JECO_BIN" --database-url "$soak_db" "$@"
