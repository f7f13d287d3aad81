#!/usr/bin/env bash
# The test command of polar-rs (README): every test of the workspace, on a fresh machine.
# Installs what the tests need first: Prism, the local mock of Polar (npm, pinned).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-prism.sh
cargo test --workspace --all-features "$@"
