# Jeco Chat. Every target delegates to scripts/*.sh; see README.md.
SHELL := /usr/bin/env bash
BENCH_ARGS ?=
SOAK_ARGS ?=

.PHONY: run test bench bench-search bench-media bench-web soak fmt clean setup
.DEFAULT_GOAL := run

## run: install what is missing, build web + server, provision PostgreSQL, serve on :8080
run:
	@scripts/run.sh

## test: fmt, clippy, cargo deny, compose lint, unit + integration tests, GraphQL fuzzing, browser e2e tests
test:
	@scripts/test.sh

## bench: build the release server and run every scale benchmark: fan-out, saturation, 100k connections, writes, 10M history (BENCH_ARGS="--quick", BENCH_MODES="run write")
bench:
	@scripts/bench.sh $(BENCH_ARGS)

## bench-search: build the release server and run the message search benchmark on 1M messages (BENCH_ARGS="--quick")
bench-search:
	@scripts/bench-search.sh $(BENCH_ARGS)

## bench-media: build the release server and run the media upload benchmark, ImageMagick as reference (BENCH_ARGS="--quick")
bench-media:
	@scripts/bench-media.sh $(BENCH_ARGS)

## bench-web: build web app + release server, measure load size/time and a 5000-message conversation in Chromium (BENCH_ARGS="--quick")
bench-web:
	@scripts/bench-web.sh $(BENCH_ARGS)

## soak: build the release server and run a 10-minute churn soak (SOAK_ARGS="--quick" for one minute)
soak:
	@scripts/soak.sh $(SOAK_ARGS)

## fmt: cargo fmt --all
fmt:
	@scripts/fmt.sh

## clean: remove build outputs, stop the private PostgreSQL cluster
clean:
	@scripts/clean.sh

## setup: only install the missing tools
setup:
	@scripts/setup.sh
