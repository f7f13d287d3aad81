#!/usr/bin/env bash
# Size of the seed example (create a customer session) as a wasm module plus its JS glue,
# built from polar-wasm/size (opt-level z, LTO, one codegen unit, panic=abort, stripped),
# bound with `wasm-bindgen --target web`, then `wasm-opt -Oz`; raw, optimized and gzipped.
# Next to it, Polar's JS SDK doing the same job bundled with `esbuild --bundle --minify`
# (the Polar class, and its tree-shakable standalone functions). Tools come from npm,
# pinned in polar-wasm/size/package-lock.json.
set -euo pipefail
cd "$(dirname "$0")/.."
size_dir=polar-wasm/size
target=wasm32-unknown-unknown
out="target/wasm-size"
mkdir -p "$out"

rustup target list --installed 2>/dev/null | grep -qx "$target" || rustup target add "$target" >&2
wb_version="$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/"/, "", $3); print $3; exit }' Cargo.lock)"
if ! wasm-bindgen --version 2>/dev/null | grep -q " $wb_version\$"; then
  echo "installing wasm-bindgen-cli $wb_version (a few minutes)..." >&2
  cargo install -q wasm-bindgen-cli --version "$wb_version" >&2
fi
if [ ! -x "$size_dir/node_modules/.bin/wasm-opt" ] || [ ! -x "$size_dir/node_modules/.bin/esbuild" ]; then
  npm ci --prefix "$size_dir" --no-audit --no-fund --loglevel=error >&2
fi
bin="$size_dir/node_modules/.bin"

cargo build -q --release --target "$target" --manifest-path "$size_dir/Cargo.toml" \
  --target-dir "$out/cargo" >&2
wasm-bindgen --target web --out-dir "$out/pkg" --out-name polar \
  "$out/cargo/$target/release/polar_wasm_size.wasm"
"$bin/wasm-opt" -Oz --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
  --enable-mutable-globals "$out/pkg/polar_bg.wasm" -o "$out/pkg/polar_bg.opt.wasm"

bytes() { wc -c <"$1" | tr -d ' '; }
gz() { gzip -9 -c "$1" | wc -c | tr -d ' '; }
kb() { awk -v b="$1" 'BEGIN { printf "%.1f KB", b / 1024 }'; }

wasm_raw=$(bytes "$out/pkg/polar_bg.wasm")
wasm_opt=$(bytes "$out/pkg/polar_bg.opt.wasm")
glue=$(bytes "$out/pkg/polar.js")
wasm_gz=$(gz "$out/pkg/polar_bg.opt.wasm")
glue_gz=$(gz "$out/pkg/polar.js")

for entry in polar-class polar-standalone; do
  "$bin/esbuild" "$size_dir/js/$entry.mjs" --bundle --minify --format=esm --platform=browser \
    --log-level=warning --outfile="$out/$entry.js"
done

printf '%-44s %12s %12s\n' "seed example: create a customer session" "bytes" "gzip -9"
printf '%-44s %12s %12s\n' "polar-wasm module (wasm-bindgen)" "$wasm_raw" "$(gz "$out/pkg/polar_bg.wasm")"
printf '%-44s %12s %12s\n' "polar-wasm module after wasm-opt -Oz" "$wasm_opt" "$wasm_gz"
printf '%-44s %12s %12s\n' "polar-wasm JS glue (--target web)" "$glue" "$glue_gz"
printf '%-44s %12s %12s\n' "polar-wasm total (optimized + glue)" "$((wasm_opt + glue))" "$((wasm_gz + glue_gz))"
for entry in polar-class polar-standalone; do
  printf '%-44s %12s %12s\n' "@polar-sh/sdk $entry (esbuild --minify)" "$(bytes "$out/$entry.js")" "$(gz "$out/$entry.js")"
done
echo "polar-wasm total gzipped: $(kb $((wasm_gz + glue_gz))) (target: 21 KB)"
