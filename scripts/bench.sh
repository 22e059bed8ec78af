#!/usr/bin/env bash
# `make bench`: builds the release server and the bench, then runs every scale mode of
# `jeco-bench` against it (see bench/README.md), each writing its report under
# bench/results/ and its figures into bench/results/summary.json:
#   run          room fan-out at 10/100/1000 members next to the raw baseline
#   saturation   ramp the offered rate until jeco and the baseline fall behind (+ chart)
#   connections  hold 100,000 subscribed connections over 6 instances
#   write        persisted sends/s, many senders in many rooms
#   history      a history page on a 10M-message table
# BENCH_MODES picks modes ("run saturation"); BENCH_ARGS go to every mode, e.g.
#   make bench BENCH_ARGS=--quick        or        make bench BENCH_MODES=write
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

build_api
step "building the bench (cargo build --release -p jeco-bench)"
cargo build --release -p jeco-bench

step "provisioning PostgreSQL for the bench"
if [ -n "${DATABASE_URL:-}" ]; then
  bench_db="$DATABASE_URL"
else
  ensure_postgres
  bench_db="$PG_BASE_URL"
fi

# Private copies: a build in the shared target directory during a long run must not
# swap the binaries under it.
bin_dir="$(mktemp -d /var/tmp/jeco-bench-bin.XXXXXX)"
trap 'rm -rf "$bin_dir"' EXIT
cp "$JECO_BIN" "$bin_dir/jeco"
cp "$CARGO_TARGET_DIR/release/jeco-bench" "$bin_dir/jeco-bench"

failed=()
for mode in ${BENCH_MODES:-run saturation connections write history}; do
  step "jeco-bench $mode"
  if ! "$bin_dir/jeco-bench" "$mode" --jeco-bin "$bin_dir/jeco" --database-url "$bench_db" "$@"; then
    failed+=("$mode")
  fi
done
step "summary (bench/results/summary.json)"
cat bench/results/summary.json 2>/dev/null || echo "(no summary written)"
if [ ${#failed[@]} -gt 0 ]; then
  echo "bench modes that failed: ${failed[*]}" >&2
  exit 1
fi
