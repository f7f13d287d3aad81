#!/usr/bin/env bash
# Prints the usage-event figures of polar-rs: (a) events per second through `push` with no
# network (the core's `Ingest` alone, and the blocking and tokio `Ingester`s from 1, 2 and
# 4 threads), (b) events per second delivered end to end against a loopback Polar that
# parses and deduplicates (blocking and tokio), (c) bytes of memory per queued event
# (measured with a counting allocator, and the resident set) next to what
# `Ingest::QUEUED_OVERHEAD` states. Ratios are of figures measured in the same run. A
# figure-printing script, not a test.
# BENCH_N (events per measurement, default 200000), BENCH_E2E (default 50000) and
# BENCH_ROUNDS (default 5) tune it.
set -euo pipefail
cd "$(dirname "$0")/.."
echo "rustc: $(rustc --version)"
cargo bench --quiet -p polar-tests --bench ingest
