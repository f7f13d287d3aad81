#!/usr/bin/env bash
# Size of the seed example (create a customer session) as a wasm module plus its JS glue,
# built from polar-wasm/size (opt-level z, LTO, one codegen unit, panic=abort, stripped),
# bound with `wasm-bindgen --target web`, then `wasm-opt -Oz`; raw, optimized and gzipped.
# Next to it, Polar's JS SDK doing the same job bundled with `esbuild --bundle --minify`
# (the Polar class, and its tree-shakable standalone functions). Tools come from npm,
# pinned in polar-wasm/size/package-lock.json. Then where the bytes go: the same export
# without the SDK (`floor`), with the SDK's request and transport but no typed parse
# (`transport`), and the whole seed; and the seed on nightly with std rebuilt and panics as
# bare traps, when that toolchain is installed.
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

bytes() { wc -c <"$1" | tr -d ' '; }
gz() { gzip -9 -c "$1" | wc -c | tr -d ' '; }
kb() { awk -v b="$1" 'BEGIN { printf "%.1f KB", b / 1024 }'; }
opt() {
  "$bin/wasm-opt" -Oz --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
    --enable-mutable-globals "$1" -o "$2"
}

# build NAME [+TOOLCHAIN] [cargo build args...]: the size crate bound into $out/NAME/
# (polar_bg.wasm, polar.js) and optimized (polar_bg.opt.wasm).
build() {
  local name="$1" toolchain=()
  shift
  if [[ "${1:-}" == +* ]]; then
    toolchain=("$1")
    shift
  fi
  # Explicit returns: `set -e` does not act inside a function called as an `if` condition,
  # and a failed build must not measure a module left by an earlier one.
  cargo "${toolchain[@]}" build "$@" -q --release --target "$target" --manifest-path "$size_dir/Cargo.toml" \
    --target-dir "$out/cargo-$name" >&2 || return 1
  wasm-bindgen --target web --out-dir "$out/$name" --out-name polar \
    "$out/cargo-$name/$target/release/polar_wasm_size.wasm" || return 1
  opt "$out/$name/polar_bg.wasm" "$out/$name/polar_bg.opt.wasm"
}
# total NAME: gzipped bytes of the optimized module plus its glue.
total() { echo $(($(gz "$out/$1/polar_bg.opt.wasm") + $(gz "$out/$1/polar.js"))); }

build seed
build transport --no-default-features --features transport
build floor --no-default-features --features floor
pkg="$out/seed"

wasm_raw=$(bytes "$pkg/polar_bg.wasm")
wasm_opt=$(bytes "$pkg/polar_bg.opt.wasm")
glue=$(bytes "$pkg/polar.js")
wasm_gz=$(gz "$pkg/polar_bg.opt.wasm")
glue_gz=$(gz "$pkg/polar.js")

for entry in polar-class polar-standalone; do
  "$bin/esbuild" "$size_dir/js/$entry.mjs" --bundle --minify --format=esm --platform=browser \
    --log-level=warning --outfile="$out/$entry.js"
done

printf '%-44s %12s %12s\n' "seed example: create a customer session" "bytes" "gzip -9"
printf '%-44s %12s %12s\n' "polarsh-wasm module (wasm-bindgen)" "$wasm_raw" "$(gz "$pkg/polar_bg.wasm")"
printf '%-44s %12s %12s\n' "polarsh-wasm module after wasm-opt -Oz" "$wasm_opt" "$wasm_gz"
printf '%-44s %12s %12s\n' "polarsh-wasm JS glue (--target web)" "$glue" "$glue_gz"
printf '%-44s %12s %12s\n' "polarsh-wasm total (optimized + glue)" "$((wasm_opt + glue))" "$((wasm_gz + glue_gz))"
for entry in polar-class polar-standalone; do
  printf '%-44s %12s %12s\n' "@polar-sh/sdk $entry (esbuild --minify)" "$(bytes "$out/$entry.js")" "$(gz "$out/$entry.js")"
done

# Where the bytes go: the same export built three ways (module after -Oz plus glue, gzipped).
floor=$(total floor)
transport=$(total transport)
seed=$(total seed)
echo "where the bytes go (optimized module + glue, gzip -9):"
printf '  %-60s %8s\n' "no SDK: the POST by hand with the global fetch (floor)" "$(kb "$floor")"
printf '  %-60s %8s\n' "+ core request building and exchange, Fetch (no parse)" "+$(kb $((transport - floor)))"
printf '  %-60s %8s\n' "+ typed CustomerSession parse, typed errors and messages" "+$(kb $((seed - transport)))"

# The seed again with std rebuilt and panics as a bare trap (nightly only): what a user
# chasing the last bytes can do today. Skipped when that toolchain is not installed.
if cargo +nightly --version >/dev/null 2>&1 \
  && rustup component list --toolchain nightly --installed 2>/dev/null | grep -q '^rust-src' \
  && rustup target list --toolchain nightly --installed 2>/dev/null | grep -qx "$target"; then
  if RUSTFLAGS="-Zunstable-options -Cpanic=immediate-abort" \
    build nightly +nightly -Zbuild-std=std,panic_abort; then
    printf '  %-60s %8s\n' "the seed on nightly, -Zbuild-std, -Cpanic=immediate-abort" \
      "$(kb "$(total nightly)")"
  else
    echo "  (nightly row: this nightly did not build it; see the error above)"
  fi
else
  echo "  (nightly row skipped: needs \`rustup toolchain install nightly --component rust-src --target $target\`)"
fi
echo "polarsh-wasm total gzipped: $(kb $((wasm_gz + glue_gz))) (target: 21 KB)"
