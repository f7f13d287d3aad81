#!/usr/bin/env bash
# The SDK's main job on a fresh machine, no Polar account: start a local mock of Polar (Prism
# serving the vendored spec, installed if missing), run the quickstart example against it,
# stop the mock. With POLAR_SERVER=sandbox and POLAR_ACCESS_TOKEN set, runs against Polar's
# sandbox instead (no mock).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

if [ "${POLAR_SERVER:-}" = "sandbox" ] || [ "${POLAR_SERVER:-}" = "production" ]; then
  exec cargo run --quiet -p polarsh-blocking --example quickstart
fi

"$root/scripts/install-prism.sh"
port="${PRISM_PORT:-4010}"
spec="spec/polar-$(cat spec/VERSION).openapi.json"
log="$(mktemp)"
tests/prism/node_modules/.bin/prism mock -h 127.0.0.1 -p "$port" "$spec" >"$log" 2>&1 &
prism=$!
trap 'kill $prism 2>/dev/null || true; rm -f "$log"' EXIT

# Build while Prism starts (it takes about 10 s).
cargo build --quiet -p polarsh-blocking --example quickstart
for _ in $(seq 1 120); do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then break; fi
  if ! kill -0 "$prism" 2>/dev/null; then echo "Prism failed to start:"; cat "$log"; exit 1; fi
  sleep 0.5
done
echo "local mock of Polar (Prism) on 127.0.0.1:$port"
POLAR_BASE_URL="http://127.0.0.1:$port" cargo run --quiet -p polarsh-blocking --example quickstart
