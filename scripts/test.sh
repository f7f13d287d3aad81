#!/usr/bin/env bash
# The test command of polar-rs (README): every test of the workspace, on a fresh machine.
# Installs what the tests need first: Prism, the local mock of Polar (npm, pinned); the wasm
# tests install their own tools (wasm32 target, wasm-bindgen-cli, Chromium).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-prism.sh
cargo test --workspace --all-features "$@"
bash scripts/test-wasm.sh
