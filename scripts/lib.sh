# shellcheck shell=bash
# Shared helpers for scripts/*.sh: paths, logging, apt, PostgreSQL and Redis provisioning.
# Sourced, never run directly.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export ROOT

# Build outputs live outside the work tree so that fresh clones (CI) reuse them.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/jeco-target}"
# The web crate gets its own target dir: wasm32 and host builds would otherwise
# keep invalidating each other's feature-unified dependencies.
export JECO_WEB_TARGET_DIR="${JECO_WEB_TARGET_DIR:-/var/tmp/jeco-target-web}"
export PATH="$HOME/.cargo/bin:$PATH"
# trunk must never download a tool (wasm-bindgen, wasm-opt) nor check for updates.
export TRUNK_OFFLINE=true
export TRUNK_SKIP_VERSION_CHECK=true

JECO_BIN="${JECO_BIN:-$CARGO_TARGET_DIR/release/jeco}"
export JECO_BIN

# The local services every script tries first (the Rust tests and e2e/harness.mjs
# carry the same defaults for when they run on their own).
DEFAULT_PG_HOST=127.0.0.1
DEFAULT_PG_PORT=5432
DEFAULT_PG_BASE_URL="postgres://postgres@$DEFAULT_PG_HOST:$DEFAULT_PG_PORT"
REDIS_HOST=127.0.0.1
REDIS_PORT=6379
REDIS_URL_LOCAL="redis://$REDIS_HOST:$REDIS_PORT"

step() { printf '==> %s\n' "$*"; }
note() { printf '    %s\n' "$*"; }
warn() { printf 'warning: %s\n' "$*" >&2; }
die() {
  printf 'error: %s\n' "$*" >&2
  exit 1
}
have() { command -v "$1" >/dev/null 2>&1; }

# Runs a command as root (directly, or through sudo when we are not root).
as_root() {
  if [ "$(id -u)" -eq 0 ]; then
    "$@"
  elif have sudo; then
    sudo "$@"
  else
    die "need root to run: $*"
  fi
}

APT_UPDATED=0
# apt_install PKG... — installs the Debian packages that are not installed yet.
apt_install() {
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ "${#missing[@]}" -eq 0 ] && return 0
  have apt-get || die "missing ${missing[*]} and apt-get is not available; install them by hand"
  note "apt-get install ${missing[*]}"
  local log=/var/tmp/jeco-apt.log
  if [ "$APT_UPDATED" -eq 0 ]; then
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq >>"$log" 2>&1 ||
      warn "apt-get update failed (see $log)"
    APT_UPDATED=1
  fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >>"$log" 2>&1 ||
    die "apt-get install ${missing[*]} failed (see $log)"
}

# Prints the version of a crate as locked in Cargo.lock.
locked_version() {
  awk -v name="$1" '
    $0 == "name = \"" name "\"" { found = 1; next }
    found && /^version = / { gsub(/"/, "", $3); print $3; exit }
  ' "$ROOT/Cargo.lock"
}

# ---------------------------------------------------------------- PostgreSQL

pg_bin_dir() {
  local d
  d="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
  [ -n "$d" ] && printf '%s\n' "$d"
}

# Connection answers and accepts our role (pg_isready alone says nothing about auth).
pg_answers() { # URL-without-database
  PGCONNECT_TIMEOUT=5 psql -w "$1/postgres" -Atqc 'select 1' >/dev/null 2>&1
}

# ensure_postgres — sets PG_BASE_URL (postgres://user@host:port, no database) to a
# PostgreSQL server that answers: JECO_PG_BASE_URL if set; else $DEFAULT_PG_BASE_URL if
# it answers; else a private cluster under data/pg (port JECO_PG_PORT, default 5433),
# installing the postgresql package when needed.
ensure_postgres() {
  have psql || apt_install postgresql-client
  if [ -n "${JECO_PG_BASE_URL:-}" ]; then
    PG_BASE_URL="${JECO_PG_BASE_URL%/}"
    pg_answers "$PG_BASE_URL" || die "JECO_PG_BASE_URL=$PG_BASE_URL does not answer"
    return 0
  fi
  if pg_isready -q -h "$DEFAULT_PG_HOST" -p "$DEFAULT_PG_PORT" -t 3 2>/dev/null; then
    if pg_answers "$DEFAULT_PG_BASE_URL"; then
      PG_BASE_URL="$DEFAULT_PG_BASE_URL"
      note "using PostgreSQL at $DEFAULT_PG_HOST:$DEFAULT_PG_PORT"
      return 0
    fi
    warn "PostgreSQL at $DEFAULT_PG_HOST:$DEFAULT_PG_PORT answers but rejects user postgres; starting a private cluster"
  fi
  start_private_postgres
}

start_private_postgres() {
  local port="${JECO_PG_PORT:-5433}"
  local dir="${JECO_PG_DIR:-$ROOT/data/pg}"
  local bin
  bin="$(pg_bin_dir)"
  if [ -z "$bin" ]; then
    step "installing PostgreSQL (Debian package)"
    apt_install postgresql
    bin="$(pg_bin_dir)"
    [ -n "$bin" ] || die "postgresql installed but no /usr/lib/postgresql/*/bin found"
  fi

  # PostgreSQL refuses to run as root: as root, the cluster belongs to `postgres`.
  local runas=()
  if [ "$(id -u)" -eq 0 ]; then
    id postgres >/dev/null 2>&1 || useradd --system --home-dir /var/lib/postgresql --shell /bin/bash postgres
    runas=(runuser -u postgres --)
    mkdir -p "$dir"
    chown postgres: "$dir"
    if ! runuser -u postgres -- test -w "$dir"; then
      # e.g. the checkout is under /root: the postgres user cannot reach it.
      dir="/var/tmp/jeco-pg-$(printf '%s' "$ROOT" | sha256sum | cut -c1-12)"
      warn "user postgres cannot write under $ROOT; using $dir instead"
      mkdir -p "$dir"
      chown postgres: "$dir"
    fi
  fi
  mkdir -p "$dir"

  PG_BASE_URL="postgres://postgres@127.0.0.1:$port"
  if [ -f "$dir/data/PG_VERSION" ] && "${runas[@]}" "$bin/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
    note "private PostgreSQL cluster already running ($dir, port $port)"
  else
    if [ ! -f "$dir/data/PG_VERSION" ]; then
      step "creating a private PostgreSQL cluster in $dir"
      "${runas[@]}" "$bin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C \
        >"$dir/initdb.log" 2>&1 || die "initdb failed (see $dir/initdb.log)"
    fi
    "${runas[@]}" mkdir -p "$dir/run"
    step "starting the private PostgreSQL cluster on 127.0.0.1:$port"
    "${runas[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -w -t 60 \
      -o "-p $port -k $dir/run -c listen_addresses=127.0.0.1" start >/dev/null ||
      die "PostgreSQL did not start (see $dir/postgres.log)"
  fi
  pg_answers "$PG_BASE_URL" || die "private PostgreSQL on port $port does not answer (see $dir/postgres.log)"
}

# create_database BASE_URL NAME — creates the database when it does not exist.
create_database() {
  local exists
  exists="$(psql -w "$1/postgres" -Atqc "select 1 from pg_database where datname = '$2'")"
  if [ "$exists" != "1" ]; then
    note "creating database $2"
    psql -w "$1/postgres" -qc "create database \"$2\"" >/dev/null
  fi
}

# --------------------------------------------------------------------- Redis

redis_answers() { [ "$(redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" ping 2>/dev/null)" = "PONG" ]; }

# ensure_redis — makes sure a Redis answers at $REDIS_URL_LOCAL (installs/starts one).
ensure_redis() {
  have redis-cli || apt_install redis-tools
  if redis_answers; then
    note "using Redis at $REDIS_HOST:$REDIS_PORT"
    return 0
  fi
  have redis-server || apt_install redis-server
  if ! redis_answers; then
    step "starting Redis on $REDIS_HOST:$REDIS_PORT"
    redis-server --daemonize yes --bind "$REDIS_HOST" --port "$REDIS_PORT" --save "" --appendonly no \
      --logfile /var/tmp/jeco-redis.log >/dev/null
  fi
  local _
  for _ in $(seq 1 50); do
    redis_answers && return 0
    sleep 0.2
  done
  die "Redis did not start (see /var/tmp/jeco-redis.log)"
}

# ------------------------------------------------------------------ building

build_web() {
  step "building web app (trunk build --release → web/dist)"
  (cd "$ROOT/web" && CARGO_TARGET_DIR="$JECO_WEB_TARGET_DIR" trunk build --release)
  precompress "$ROOT/web/dist"
}

# precompress DIR — writes FILE.br (Brotli, best) and FILE.gz (gzip -9) next to
# every text or wasm asset, which the server sends to browsers that accept them
# (api/src/webapp.rs).
precompress() {
  local f
  while IFS= read -r -d '' f; do
    gzip -9 -k -f -n "$f"
    if have brotli; then brotli -q 11 -k -f "$f"; fi
  done < <(find "$1" -type f \( -name '*.wasm' -o -name '*.js' -o -name '*.css' -o -name '*.html' -o -name '*.svg' -o -name '*.json' -o -name '*.webmanifest' \) -print0)
}

build_api() {
  step "building server (cargo build --release -p jeco-api)"
  (cd "$ROOT" && cargo build --release -p jeco-api)
}
