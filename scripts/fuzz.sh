#!/usr/bin/env bash
# `make test` step `fuzz`: schemathesis (GraphQL mode, from PyPI; installed by
# setup.sh) against the release server on a free loopback port with a fresh
# database, seeded with users, rooms, messages and a personal access token
# (scripts/fuzz/seed.py), whose real ids go into schemathesis's fuzz dictionary.
# Passes when no response is a 5xx, none carries an internal error or lacks
# `extensions.code` (scripts/fuzz/hooks.py), none is slower than
# JECO_FUZZ_MAX_RESPONSE_S, and the server logged no panic and no internal error.
#
# JECO_FUZZ_SECONDS (default 120) bounds the run; JECO_FUZZ_SEED repeats one.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/lib.sh"

VENV="${JECO_FUZZ_VENV:-/var/tmp/jeco-tools/schemathesis-venv}"
SECONDS_BUDGET="${JECO_FUZZ_SECONDS:-120}"
MAX_RESPONSE_S="${JECO_FUZZ_MAX_RESPONSE_S:-5}"

[ -x "$VENV/bin/schemathesis" ] || die "schemathesis is not installed in $VENV (run scripts/setup.sh test)"
[ -x "$JECO_BIN" ] || die "no server binary at $JECO_BIN (build it first: cargo build --release -p jeco-api)"
if [ -n "${JECO_TEST_DATABASE_URL:-}" ]; then
  PG_BASE_URL="${JECO_TEST_DATABASE_URL%/}"
else
  ensure_postgres >/dev/null
fi

work="$(mktemp -d /var/tmp/jeco-fuzz.XXXXXX)"
db="jeco_fuzz_$$_$RANDOM"
server=""
cleanup() {
  if [ -n "$server" ]; then
    kill "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
  fi
  psql -w -X -q "$PG_BASE_URL/postgres" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

psql -w -X -q -v ON_ERROR_STOP=1 "$PG_BASE_URL/postgres" -c "CREATE DATABASE $db" >/dev/null
port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
base="http://127.0.0.1:$port"
# Rate limits off: the fuzzer is one client sending as fast as it can.
env DATABASE_URL="$PG_BASE_URL/$db" JECO_BIND="127.0.0.1:$port" JECO_DATA_DIR="$work/data" \
  JECO_WEB_DIR=/nonexistent JECO_GRAPHIQL_DIR=/nonexistent REDIS_URL= \
  JECO_IP_RATE=1000000 JECO_SEND_RATE=1000000 JECO_AUTH_RATE=1000000 JECO_WRITE_RATE=1000000 RUST_LOG=warn \
  "$JECO_BIN" serve >"$work/server.log" 2>&1 &
server=$!
for _ in $(seq 1 100); do
  curl -fsS "$base/readyz" >/dev/null 2>&1 && break
  kill -0 "$server" 2>/dev/null || { cat "$work/server.log" >&2; die "the server did not start"; }
  sleep 0.2
done
curl -fsS "$base/readyz" >/dev/null || die "the server is not ready after 20 s"

"$VENV/bin/python" "$ROOT/scripts/fuzz/seed.py" "$base" "$work"
seed_args=()
[ -z "${JECO_FUZZ_SEED:-}" ] || seed_args=(--seed "$JECO_FUZZ_SEED")
started=$SECONDS
set +e
(
  cd "$work"
  SCHEMATHESIS_HOOKS="$ROOT/scripts/fuzz/hooks.py" "$VENV/bin/schemathesis" \
    --config-file "$work/schemathesis.toml" run "$base/graphql" \
    -H "Authorization: Bearer $(cat "$work/token")" \
    --checks jeco_no_server_fault --max-response-time "$MAX_RESPONSE_S" \
    --max-time "$SECONDS_BUDGET" --generation-database none --no-color "${seed_args[@]}"
) | tee "$work/fuzz.log"
rc=${PIPESTATUS[0]}
set -e

cases="$(awk '/^Test cases:/ { getline; print $1; exit }' "$work/fuzz.log")"
faults="$(grep -c -E 'panicked|internal error' "$work/server.log" || true)"
if [ "$faults" -gt 0 ]; then
  grep -E 'panicked|internal error' "$work/server.log" | head -20 >&2
fi
note "fuzz: ${cases:-?} cases in $((SECONDS - started)) s against $base; schemathesis exit $rc; server log faults: $faults"
[ "$rc" -eq 0 ] && [ "$faults" -eq 0 ] && [ -n "$cases" ]
