#!/usr/bin/env bash
# `make test` step schema-evolution: graphql/schema.graphql against the last
# released SDL (graphql/released/schema.graphql) with GraphQL Inspector; fails on
# a breaking change not listed in graphql/released/intended-breaking.txt. The
# self-test first proves that a removed field would fail.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/lib.sh"
cd "$ROOT/scripts/schema-evolution"
[ -d node_modules/@graphql-inspector/core ] || die "run scripts/setup.sh test (npm ci in scripts/schema-evolution)"
node check.mjs --self-test
node check.mjs
