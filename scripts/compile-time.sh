#!/usr/bin/env bash
# Prints what polarsh-core costs the compiler: cold `cargo build -p polarsh-core` wall time, debug
# and release, with every API group and the internal models enabled, first with its
# dependencies (what a user's first build pays), then polarsh-core alone (dependencies already
# built), plus the generated line count. A figure-printing script, not a test.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

target="$(mktemp -d)"
trap 'rm -rf "$target"' EXIT
export CARGO_TARGET_DIR="$target"
cargo fetch --quiet

now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

measure() { # label, cargo flags...
  local label="$1" t0 t1 t2 t3
  shift
  rm -rf "${target:?}"/*
  t0=$(now); cargo build --quiet -p polarsh-core "$@"; t1=$(now)
  # polarsh-core alone: its dependencies stay built, its own artifacts go.
  local clean=()
  case " $* " in *" --release "*) clean=(--release) ;; esac
  cargo clean --quiet -p polarsh-core "${clean[@]}"
  t2=$(now); cargo build --quiet -p polarsh-core "$@"; t3=$(now)
  printf '%-26s cold with dependencies: %6ss   polarsh-core alone: %6ss\n' \
    "$label" "$(secs "$t0" "$t1")" "$(secs "$t2" "$t3")"
}

echo "cores: $(nproc), rustc: $(rustc --version)"
measure "debug" 
measure "release" --release
measure "debug +internal-models" --features internal-models
lines=$(cat $(find polar-core/src/generated -name '*.rs') | wc -l)
files=$(find polar-core/src/generated -name '*.rs' | wc -l)
echo "generated: $lines lines in $files files (polar-core/src/generated)"
echo "budget: debug < 60 s, release < 120 s (cold, every API group)"
