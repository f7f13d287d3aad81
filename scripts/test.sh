#!/usr/bin/env bash
# The test command of polar-rs (README): every test of the workspace, on a fresh machine.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo test --workspace --all-features "$@"
