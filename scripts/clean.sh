#!/usr/bin/env bash
# `make clean`: removes build outputs and stops the private PostgreSQL cluster.
# Keeps data/ (the JWT secret, the outbox and the private cluster's data) unless
# called with --all.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

pg_dir="${JECO_PG_DIR:-$ROOT/data/pg}"
bin="$(pg_bin_dir || true)"
if [ -n "$bin" ] && [ -f "$pg_dir/data/postmaster.pid" ]; then
  step "stopping the private PostgreSQL cluster ($pg_dir)"
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$bin/pg_ctl" -D "$pg_dir/data" -m fast stop >/dev/null || true
  else
    "$bin/pg_ctl" -D "$pg_dir/data" -m fast stop >/dev/null || true
  fi
fi

step "removing build outputs ($CARGO_TARGET_DIR, $JECO_WEB_TARGET_DIR, web/dist, e2e/artifacts)"
rm -rf "$CARGO_TARGET_DIR" "$JECO_WEB_TARGET_DIR" "$ROOT/target" "$ROOT/web/dist" "$ROOT/e2e/artifacts"

if [ "${1:-}" = "--all" ]; then
  step "removing data/ and node_modules/"
  rm -rf "$ROOT/data" "$ROOT/e2e/node_modules" "$ROOT/api/graphiql/node_modules"
fi
