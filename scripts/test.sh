#!/usr/bin/env bash
# `make test`: every check and test, including the real-browser end-to-end tests
# against real PostgreSQL and Redis. Runs every step it can, prints a summary, and
# exits non-zero when any step failed.
#
# JECO_TEST_ONLY="fmt clippy ..." runs only the named steps (names as in the summary).
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

names=()
results=()
failed=0

# setup and services always run; other steps can be picked with JECO_TEST_ONLY.
selected() {
  [ -z "${JECO_TEST_ONLY:-}" ] || [ "$1" = setup ] || [ "$1" = services ] ||
    [[ " $JECO_TEST_ONLY " == *" $1 "* ]]
}

# run_step NAME DESCRIPTION COMMAND... — runs one step in a subshell with errexit on,
# records pass/fail and time, and leaves its exit code in STEP_RC. Always returns 0:
# calling it as `run_step ... || x` would switch errexit off inside the step.
STEP_RC=0
run_step() {
  local name="$1" desc="$2" start rc
  shift 2
  STEP_RC=0
  selected "$name" || return 0
  step "$desc"
  start=$SECONDS
  set +e
  (
    set -e
    "$@"
  )
  rc=$?
  set -e
  STEP_RC=$rc
  names+=("$name")
  if [ "$rc" -eq 0 ]; then
    results+=("ok    $(printf '%-16s %4ss' "$name" $((SECONDS - start)))")
  else
    results+=("FAIL  $(printf '%-16s %4ss  (exit %s)' "$name" $((SECONDS - start)) "$rc")")
    failed=$((failed + 1))
    printf '!!! step %s failed (exit %s)\n' "$name" "$rc" >&2
  fi
}

# skip_step NAME REASON — records a step that could not run because a prerequisite failed.
skip_step() {
  selected "$1" || return 0
  names+=("$1")
  results+=("FAIL  $(printf '%-16s        (skipped: %s)' "$1" "$2")")
  failed=$((failed + 1))
}

summary() {
  local total="${#names[@]}"
  echo
  echo "==> summary"
  local r
  for r in "${results[@]}"; do
    echo "    $r"
  done
  echo "steps: $((total - failed)) passed, $failed failed"
}
trap summary EXIT

run_step setup "installing missing tools" "$ROOT/scripts/setup.sh" test
if [ "$STEP_RC" -ne 0 ]; then
  echo "setup failed; nothing else can run" >&2
  exit 1
fi

# A caller-provided test database server wins over local discovery.
[ -z "${JECO_TEST_DATABASE_URL:-}" ] || export JECO_PG_BASE_URL="$JECO_TEST_DATABASE_URL"
services() {
  ensure_postgres
  ensure_redis
}
services_ok=1
run_step services "starting PostgreSQL and Redis" services
[ "$STEP_RC" -eq 0 ] || services_ok=0
# Re-resolve in this shell (run_step ran in a subshell); cheap when already up.
if [ "$services_ok" -eq 1 ]; then
  ensure_postgres >/dev/null
  export JECO_TEST_DATABASE_URL="$PG_BASE_URL"
  export JECO_TEST_REDIS_URL="$REDIS_URL_LOCAL"
  note "JECO_TEST_DATABASE_URL=$JECO_TEST_DATABASE_URL JECO_TEST_REDIS_URL=$JECO_TEST_REDIS_URL"
fi

run_step fmt "cargo fmt --all -- --check" cargo fmt --all -- --check

# Cheap and fast, so it runs before the slow steps: import cycles and file sizes.
run_step structure "structure: import cycles, file sizes (scripts/check-structure.py)" \
  python3 "$ROOT/scripts/check-structure.py"

run_step clippy "cargo clippy --all-targets -- -D warnings (server crates)" \
  cargo clippy --all-targets -- -D warnings

run_step clippy-web "cargo clippy -p jeco-web --target wasm32-unknown-unknown -- -D warnings" \
  env CARGO_TARGET_DIR="$JECO_WEB_TARGET_DIR" \
  cargo clippy -p jeco-web --target wasm32-unknown-unknown -- -D warnings

# `advisories` is left out: it needs to download the RustSec database, and this
# machine (like CI) reaches only package registries. See deny.toml.
run_step deny "cargo deny check bans licenses sources" \
  cargo deny --log-level error check bans licenses sources

run_step compose "validating docker-compose.yml and docker/" "$ROOT/scripts/check-compose.sh"

run_step schema-evolution "graphql/schema.graphql against the released SDL (GraphQL Inspector)" \
  "$ROOT/scripts/check-schema-evolution.sh"

if [ "$services_ok" -eq 1 ]; then
  run_step schema-diff "diesel print-schema against schema/src/schema.rs" "$ROOT/scripts/check-schema.sh"
else
  skip_step schema-diff "PostgreSQL not available"
fi

if [ "$services_ok" -eq 1 ]; then
  # The in-process test servers' fan-out threads run at normal priority: next to
  # PostgreSQL and the other tests' runtimes on a busy machine, nice 10 starts a
  # subscription later than the tests' start-up pauses allow. (The release
  # server of the e2e and fuzz steps keeps the default, nice 10.)
  run_step test "cargo test --workspace --exclude jeco-web" \
    env JECO_FANOUT_NICE=0 cargo test --workspace --exclude jeco-web
else
  skip_step test "PostgreSQL/Redis not available"
fi

run_step test-web "cargo test -p jeco-web (native unit tests)" \
  env CARGO_TARGET_DIR="$JECO_WEB_TARGET_DIR" cargo test -p jeco-web

built=1
run_step build-web "building the web app (release)" build_web
[ "$STEP_RC" -eq 0 ] || built=0
run_step build-api "building the server (release)" build_api
[ "$STEP_RC" -eq 0 ] || built=0

# GraphQL fuzzing with schemathesis against the release server (about 2 minutes).
if [ "$built" -eq 1 ] && [ "$services_ok" -eq 1 ]; then
  run_step fuzz "GraphQL fuzzing (schemathesis against the release server, seeded data)" \
    "$ROOT/scripts/fuzz.sh"
else
  skip_step fuzz "release build or services failed"
fi

e2e() {
  cd "$ROOT/e2e"
  # The two-instance test needs Redis; JECO_E2E_REDIS_URL= (empty) skips it.
  JECO_E2E_REDIS_URL="${JECO_E2E_REDIS_URL-$JECO_TEST_REDIS_URL}" \
    JECO_BIN="$JECO_BIN" JECO_E2E_DATABASE_URL="$JECO_TEST_DATABASE_URL" \
    node --test --test-concurrency=1 --test-reporter=spec \
    ./*.test.mjs
}
if [ "$built" -eq 1 ] && [ "$services_ok" -eq 1 ]; then
  run_step e2e "end-to-end tests (node --test: graphql-ws client, Chromium)" e2e
else
  skip_step e2e "release build or services failed"
fi

[ "$failed" -eq 0 ]
