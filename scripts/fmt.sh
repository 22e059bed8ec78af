#!/usr/bin/env bash
# `make fmt`: formats the Rust workspace (server crates and the web crate).
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

step "cargo fmt --all"
cargo fmt --all
