#!/usr/bin/env bash
# Packs what the scaling benches need on the device machine (16 cores; Python there, no Node) into .device/,
# a folder git ignores here: this machine's node binary (xz) and the runtime packages (npm ci --omit=dev, less
# binaryen and assemblyscript, which only compile; tar.xz). With dist/ and build/ it is the `carry` of
# scripts/device-scaling.sh (about 35 MiB in all, under the device's 64 MiB). Run here, after npm run build:
#   bash scripts/device-pack.sh
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f dist/bench/training-scaling.js ] && [ -f build/release.wasm ] || { echo "device-pack: run npm run build first" >&2; exit 1; }
mkdir -p .device
grep -qx '/.device/' .git/info/exclude 2>/dev/null || echo '/.device/' >> .git/info/exclude
xz -6 -T0 -c "$(command -v node)" > .device/node.xz.tmp && mv .device/node.xz.tmp .device/node.xz
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
cp package.json package-lock.json "$stage"
(cd "$stage" && npm ci --omit=dev --ignore-scripts --no-audit --no-fund >/dev/null)
rm -rf "$stage/node_modules/binaryen" "$stage/node_modules/assemblyscript"
tar -C "$stage" -cf - node_modules | xz -6 -T0 > .device/modules.tar.xz.tmp && mv .device/modules.tar.xz.tmp .device/modules.tar.xz
du -ch .device/* dist build | tail -1
