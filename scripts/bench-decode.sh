#!/usr/bin/env bash
# Decoding three payloads four ways in one run (polar-core's typed decode, serde derive
# structs of the same shapes, serde_json::Value, serde IgnoredAny = the skip ceiling): per
# call, instructions counted by valgrind's callgrind ((count of N calls - count of 0 calls)
# / N, steady on a shared machine), instructions per byte, median wall time, allocations
# and bytes allocated. A figure-printing script, not a test; the bench is
# polar-core/benches/decode_compare. Needs valgrind (apt). CALLS=n sets N for the Customer
# (the other payloads take fewer calls by size).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v valgrind >/dev/null || { echo "valgrind is not installed (apt-get install valgrind)"; exit 1; }
calls=${CALLS:-400}
bin=$(cargo bench -q -p polarsh-core --bench decode_compare --no-run --message-format=json 2>/dev/null \
  | sed -n 's/.*"executable":"\([^"]*decode_compare[^"]*\)".*/\1/p' | tail -1)
count() {
  valgrind --tool=callgrind --callgrind-out-file=/dev/null "$bin" run "$1" "$2" "$3" 2>&1 \
    | sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}
declare -A size
while read -r name bytes; do size[$name]=$bytes; done < <("$bin" sizes)
table=$("$bin" table)
printf '%-9s %-6s %9s %12s %8s %11s %9s %11s\n' payload decoder bytes instr/call instr/B wall_us allocs alloc_bytes
for payload in customer orders webhook; do
  n=$(( calls * 658 / ${size[$payload]} )); n=$(( n < 3 ? 3 : n ))
  base=$(count "$payload" none 0)
  for decoder in polar serde value skip; do
    total=$(count "$payload" "$decoder" "$n")
    per=$(( (total - base) / n ))
    read -r ns allocs bytes < <(echo "$table" | awk -v p="$payload" -v d="$decoder" '$1==p && $2==d {print $3, $4, $5}')
    printf '%-9s %-6s %9d %12d %8.1f %11.1f %9d %11d\n' "$payload" "$decoder" "${size[$payload]}" "$per" \
      "$(echo "$per / ${size[$payload]}" | bc -l)" "$(echo "$ns / 1000" | bc -l)" "$allocs" "$bytes"
  done
done
