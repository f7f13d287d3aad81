#!/usr/bin/env bash
# Prints requests per second through polarsh-tokio's `Client` (customers:get, parsed into a
# typed Customer) next to raw reqwest doing the same GET, with the body to bytes, parsed
# into a serde-derive struct and into a serde_json::Value, in the same run, against a local
# keep-alive server; one request at a time and 8 in flight, with their ratios and what the
# core alone takes. A figure-printing script, not a test.
# BENCH_BLOCK (requests per block, default 500) and BENCH_ROUNDS (default 21) tune it.
set -euo pipefail
cd "$(dirname "$0")/.."
echo "cores: $(nproc), rustc: $(rustc --version)"
cargo bench --quiet -p polarsh-tokio --bench throughput
