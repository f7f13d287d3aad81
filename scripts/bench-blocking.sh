#!/usr/bin/env bash
# Prints requests per second through polarsh-blocking's `Client` (customers:get, parsed into a
# typed Customer) against raw ureq doing the same GET, in the same run, against a local
# keep-alive server, and their ratio (target >= 0.95x against the like-for-like baseline),
# with the time that target leaves for the SDK next to what the core alone takes. A
# figure-printing script, not a test.
# BENCH_BLOCK (requests per block, default 500) and BENCH_ROUNDS (default 41) tune it.
set -euo pipefail
cd "$(dirname "$0")/.."
echo "cores: $(nproc), rustc: $(rustc --version)"
cargo bench --quiet -p polarsh-blocking --bench throughput
