#!/usr/bin/env bash
# Deterministic cost of one /reverse answer (lookups and JSON), counted by
# callgrind's cache simulation rather than timed (this host's rates move by
# a factor of two within an hour):
#   scripts/reverse-probe.sh [STORE] [N=20000] [SCRATCH_KB=1024]
# Prints instructions, first-level data-cache read misses and last-level
# read misses per answer. Between answers the probe writes a scratch buffer
# (SCRATCH_KB) as request handling elsewhere in the server does, so the
# index is read as cold as it is there. The store loads uninstrumented.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
store=${1:-target/test-demo.gpkg} n=${2:-20000} scratch=${3:-1024}
command -v valgrind >/dev/null || apt-get install -y valgrind >/dev/null
cargo build --release --example reverse_probe
out=target/reverse-probe
mkdir -p "$out"
rm -f "$out"/callgrind.out*
PROBE_PAUSE=10 valgrind --tool=callgrind --cache-sim=yes --instr-atstart=no \
  --toggle-collect='*answer_one*' --callgrind-out-file="$out/callgrind.out" \
  target/release/examples/reverse_probe "$store" "$n" "$scratch" >"$out/probe.log" 2>&1 &
pid=$!
until grep -q '^loaded' "$out/probe.log" 2>/dev/null; do
  kill -0 $pid 2>/dev/null || { cat "$out/probe.log"; exit 1; }
  sleep 1
done
callgrind_control --instr=on $pid >/dev/null 2>&1
wait $pid
grep -E '^[0-9]+ answers' "$out/probe.log"
# Events: Ir Dr Dw I1mr D1mr D1mw ILmr DLmr DLmw
totals=$(grep -E '^(summary|totals):' "$out/callgrind.out" | head -1 | cut -d' ' -f2-)
read -r ir _ _ _ d1mr _ _ dlmr _ <<<"$totals"
echo "per answer: $((ir / n)) instructions, $((d1mr / n)) L1 data read misses, $(echo "scale=1; $dlmr / $n" | bc) last-level read misses"
echo "by function: callgrind_annotate --inclusive=yes $out/callgrind.out"
