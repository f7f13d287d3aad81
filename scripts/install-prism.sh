#!/usr/bin/env bash
# Installs Prism (the local stand-in for Polar), pinned in tests/prism/package-lock.json, from
# the npm registry. Does nothing when it is already installed.
set -euo pipefail
dir="$(cd "$(dirname "$0")/../tests/prism" && pwd)"
if [ -x "$dir/node_modules/.bin/prism" ]; then
  exit 0
fi
command -v npm >/dev/null || { echo "npm is needed to install Prism (Node.js 18+)" >&2; exit 1; }
echo "installing Prism into tests/prism (npm ci)..." >&2
npm ci --prefix "$dir" --no-audit --no-fund --loglevel=error >&2
