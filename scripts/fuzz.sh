#!/usr/bin/env bash
# Fuzzes polar-rs: every cargo-fuzz target of fuzz/ for SECONDS each (default 60), one after
# the other, then prints the executions and crashes of each. Installs the nightly toolchain
# and cargo-fuzz when they are missing; seeds come from the spec's examples and the webhook
# vectors (fuzz/seeds.py), plus fuzz/regressions/<target>/ (inputs that once failed, run
# first every time). Exits 1 if any target crashed or does not build; the input is in
# fuzz/artifacts/<target>/ (replay it with `cargo +nightly fuzz run <target> <input>`).
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]
#
# fuzz/ is its own workspace with its own lockfile, checked with --locked before anything
# is built. The targets are built once, with AddressSanitizer and debug assertions. Short
# runs (60 s or less per target: CI's smoke run) build at opt-level 1, which halves the
# build of polarsh-core's 1,100 types for fewer executions per second; longer runs build
# fully optimized. FUZZ_OPT_LEVEL=0..3 chooses.
set -euo pipefail
cd "$(dirname "$0")/.."
secs="${1:-60}"
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(json_doc typed_parse webhook retry_dates ffi)

rustup toolchain list | grep '^nightly' >/dev/null \
  || rustup toolchain install nightly --profile minimal --no-self-update
command -v cargo-fuzz >/dev/null || [ -x "${CARGO_HOME:-$HOME/.cargo}/bin/cargo-fuzz" ] \
  || cargo install cargo-fuzz --version 0.13.2 --locked
# cargo fuzz has no --locked: check the lockfile first (an error if Cargo.toml or a path
# dependency asks for anything it does not pin); the build then uses it as it is.
if [ -f fuzz/Cargo.lock ]; then
  cargo +nightly fetch --locked --manifest-path fuzz/Cargo.toml
fi
python3 fuzz/seeds.py

if [ -z "${FUZZ_OPT_LEVEL:-}" ]; then
  if [ "$secs" -le 60 ]; then FUZZ_OPT_LEVEL=1; else FUZZ_OPT_LEVEL=3; fi
fi
export CARGO_PROFILE_RELEASE_OPT_LEVEL="$FUZZ_OPT_LEVEL"

logs="$(mktemp -d)"
trap 'rm -rf "$logs"' EXIT
echo "== build ${targets[*]} (opt-level $FUZZ_OPT_LEVEL)"
build_start=$SECONDS
build=0
for t in "${targets[@]}"; do
  cargo +nightly fuzz build "$t" >"$logs/build.out" 2>"$logs/build.err" || {
    tail -40 "$logs/build.err"
    build=1
  }
done
echo "   built in $((SECONDS - build_start)) s"
[ "$build" -eq 0 ] || { echo "== fuzz: a target does not build"; exit 1; }

failed=0
summary=()
for t in "${targets[@]}"; do
  mkdir -p "fuzz/corpus/$t" "fuzz/artifacts/$t" "fuzz/regressions/$t"
  before=$(ls "fuzz/artifacts/$t" | wc -l)
  echo "== fuzz $t for ${secs}s"
  status=0
  start=$SECONDS
  # -rss_limit_mb: the ASan build of a 1,100-type crate is large; 4 GB leaves room.
  cargo +nightly fuzz run "$t" "fuzz/corpus/$t" "fuzz/seeds/$t" "fuzz/regressions/$t" -- \
    -max_total_time="$secs" -print_final_stats=1 -rss_limit_mb=4096 -timeout=20 \
    >"$logs/$t.out" 2>"$logs/$t.err" || status=$?
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$logs/$t.err" | grep -o '[0-9]*$' | tail -1)
  crashes=$(( $(ls "fuzz/artifacts/$t" | wc -l) - before ))
  if [ "$status" -ne 0 ] && [ "$crashes" -eq 0 ]; then
    # A crash libFuzzer could not write (or a startup check): show it, count it.
    tail -40 "$logs/$t.err"
    crashes=1
  fi
  if [ "$crashes" -ne 0 ]; then
    failed=1
    grep -B2 -A30 -m1 'panicked\|ERROR: AddressSanitizer\|ERROR: libFuzzer' "$logs/$t.err" || true
  fi
  summary+=("$(printf '%-12s %12s execs %3s crashes %5s s' "$t" "${execs:-0}" "$crashes" "$((SECONDS - start))")")
done
echo "== fuzz summary (${secs}s per target, opt-level $FUZZ_OPT_LEVEL)"
printf '%s\n' "${summary[@]}"
exit "$failed"
