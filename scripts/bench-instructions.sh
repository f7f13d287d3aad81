#!/usr/bin/env bash
# Instructions per call of the core's hot paths (building customers:get, and customers:list
# with four query parameters (request_list), parsing customers:get's 658 B
# response), counted by valgrind's callgrind: unlike time on a shared 2-core machine, the
# count does not move with the neighbours, so small changes can be compared. Each figure
# is (count for N calls - count for 0 calls) / N. serde_json's Value parse of the same
# bytes is the baseline. webhook_parse is parsing (not verifying) the 4.3 KB order.paid
# delivery of the webhook test vectors. A figure-printing script, not a test. Needs valgrind (apt).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v valgrind >/dev/null || { echo "valgrind is not installed (apt-get install valgrind)"; exit 1; }
n=${N:-2000}
bin=$(cargo bench -q -p polarsh-core --bench decode_ops --no-run --message-format=json 2>/dev/null \
  | sed -n 's/.*"executable":"\([^"]*decode_ops[^"]*\)".*/\1/p' | tail -1)
count() {
  valgrind --tool=callgrind --callgrind-out-file=/dev/null "$bin" "$1" "$2" 2>&1 \
    | sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}
base=$(count none 0)
printf '%-28s %12s\n' "customers:get, per call" "instructions"
for op in request request_list serde_value check parse webhook_parse; do
  total=$(count "$op" "$n")
  printf '%-28s %12d\n' "$op" $(( (total - base) / n ))
done
