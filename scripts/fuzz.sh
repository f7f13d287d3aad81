#!/usr/bin/env bash
# Fuzzes polar-rs: every cargo-fuzz target of fuzz/ for SECONDS each (default 60), one after
# the other, then prints the executions and crashes of each. Installs the nightly toolchain
# and cargo-fuzz when they are missing; seeds come from the spec's examples and the webhook
# vectors (fuzz/seeds.py), plus fuzz/regressions/<target>/ (inputs that once failed, run
# first every time). Exits 1 if any target crashed; the input is in fuzz/artifacts/<target>/.
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]
set -euo pipefail
cd "$(dirname "$0")/.."
secs="${1:-60}"
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(json_doc typed_parse webhook retry_dates ffi)

rustup toolchain list | grep -q '^nightly' \
  || rustup toolchain install nightly --profile minimal --no-self-update
command -v cargo-fuzz >/dev/null || [ -x "${CARGO_HOME:-$HOME/.cargo}/bin/cargo-fuzz" ] \
  || cargo install cargo-fuzz --version 0.13.2 --locked
python3 fuzz/seeds.py

logs="$(mktemp -d)"
trap 'rm -rf "$logs"' EXIT
failed=0
summary=()
for t in "${targets[@]}"; do
  mkdir -p "fuzz/corpus/$t" "fuzz/artifacts/$t" "fuzz/regressions/$t"
  before=$(ls "fuzz/artifacts/$t" | wc -l)
  echo "== fuzz $t for ${secs}s"
  status=0
  # -rss_limit_mb: the ASan build of a 1,100-type crate is large; 4 GB leaves room.
  cargo +nightly fuzz run "$t" "fuzz/corpus/$t" "fuzz/seeds/$t" "fuzz/regressions/$t" -- \
    -max_total_time="$secs" -print_final_stats=1 -rss_limit_mb=4096 -timeout=20 \
    >"$logs/$t.out" 2>"$logs/$t.err" || status=$?
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$logs/$t.err" | grep -o '[0-9]*$' | tail -1)
  crashes=$(( $(ls "fuzz/artifacts/$t" | wc -l) - before ))
  if [ "$status" -ne 0 ] && [ "$crashes" -eq 0 ]; then
    # A build failure or a crash libFuzzer could not write: show it, count it.
    tail -40 "$logs/$t.err"
    crashes=1
  fi
  if [ "$crashes" -ne 0 ]; then
    failed=1
    grep -B2 -A30 -m1 'panicked\|ERROR: AddressSanitizer\|ERROR: libFuzzer' "$logs/$t.err" || true
  fi
  summary+=("$(printf '%-12s %12s execs %3s crashes' "$t" "${execs:-0}" "$crashes")")
done
echo "== fuzz summary (${secs}s per target)"
printf '%s\n' "${summary[@]}"
exit "$failed"
