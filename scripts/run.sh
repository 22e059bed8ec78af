#!/usr/bin/env bash
# `make run`: installs what is missing, builds web + server, provisions PostgreSQL,
# then serves everything (default http://localhost:8080).
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

# setup also installs the offline GraphiQL assets (npm ci in api/graphiql).
"$ROOT/scripts/setup.sh" run

build_web
build_api

step "provisioning the database"
if [ -n "${DATABASE_URL:-}" ]; then
  note "using DATABASE_URL from the environment"
else
  ensure_postgres
  create_database "$PG_BASE_URL" jeco
  export DATABASE_URL="$PG_BASE_URL/jeco"
  note "DATABASE_URL=$DATABASE_URL"
fi

export JECO_BIND="${JECO_BIND:-0.0.0.0:8080}"
export JECO_WEB_DIR="${JECO_WEB_DIR:-$ROOT/web/dist}"
export JECO_GRAPHIQL_DIR="${JECO_GRAPHIQL_DIR:-$ROOT/api/graphiql}"
export JECO_DATA_DIR="${JECO_DATA_DIR:-$ROOT/data}"
mkdir -p "$JECO_DATA_DIR"

url="${JECO_PUBLIC_URL:-http://localhost:${JECO_BIND##*:}}"
step "starting jeco serve on $JECO_BIND (migrations run first)"
note "open $url  ·  GraphiQL: $url/graphiql  ·  stop with Ctrl-C"
exec "$JECO_BIN" serve
