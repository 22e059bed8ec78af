#!/usr/bin/env bash
# Checks that schema/src/schema.rs is exactly what `diesel print-schema` makes of
# migrations/: migrates a throwaway database, prints its schema with the options
# of diesel.toml, diffs, and drops the database again.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

have diesel || die "diesel CLI missing: run scripts/setup.sh test"
ensure_postgres >/dev/null
db="jeco_schema_diff_$$"
tmp="$(mktemp -d)"
cleanup() {
  psql -w "$PG_BASE_URL/postgres" -qc "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true
  rm -rf "$tmp"
}
trap cleanup EXIT

psql -w "$PG_BASE_URL/postgres" -qc "CREATE DATABASE $db" >/dev/null
# An empty config for the migration run: with diesel.toml, `migration run` would
# rewrite schema.rs itself instead of leaving the comparison to us.
: >"$tmp/diesel.toml"
diesel migration run --config-file "$tmp/diesel.toml" --migration-dir migrations \
  --database-url "$PG_BASE_URL/$db" >/dev/null
diesel print-schema --database-url "$PG_BASE_URL/$db" >"$tmp/schema.rs"
if ! diff -u schema/src/schema.rs "$tmp/schema.rs"; then
  die "schema/src/schema.rs differs from diesel print-schema (diff above: - checked in, + generated)"
fi
note "schema/src/schema.rs matches the migrations"
