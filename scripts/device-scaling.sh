#!/usr/bin/env bash
# The issue-16 scaling checks on the 16-core device machine, as one prepared command (device time is short):
# unpacks the node binary and runtime packages that scripts/device-pack.sh packed here, then runs
#   bench/training-scaling.ts  (weak and strong scaling 1..16 systems, against N independent trainers in the same rounds;
#                               about 1 minute on this 2-core VM for 1..2 systems)
# and copies its JSON result and the log to $OUT. Run through the device tool, from the repository root:
#   carry: [".device", "dist", "build"]   command: bash scripts/device-scaling.sh   timeout_s: 540
set -uo pipefail
cd "$(dirname "$0")/.."
out=${OUT:-/tmp/device-out}
mkdir -p "$out"
python3 -c "import lzma,shutil;shutil.copyfileobj(lzma.open('.device/node.xz'),open('/tmp/node','wb'))" && chmod +x /tmp/node || exit 1
[ -d node_modules ] || python3 -c "import lzma,tarfile;tarfile.open(fileobj=lzma.open('.device/modules.tar.xz')).extractall('.')" || exit 1
echo "device: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), load $(cut -d' ' -f1-3 /proc/loadavg)"
/tmp/node dist/bench/training-scaling.js 2>&1 | tee "$out/training-scaling.log"
cp "$(ls -t bench/results/training-scaling-*core.json | head -1)" "$out/"
ls -la "$out"
