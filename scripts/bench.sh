#!/usr/bin/env bash
# Benchmarks, each reported against a baseline measured in the same run:
#  1. in-process point-in-polygon (criterion; baselines: R-tree + geo contains,
#     R-tree + geo interval trees);
#  2. HTTP: start-up and memory; /reverse throughput as a ratio of /health
#     throughput, alternating pairs in both load setups (scripts/load-common.sh).
# Store: $FANGYU_BENCH_STORE (default target/test-demo.gpkg).
source "$(dirname "$0")/bench-common.sh"
export FANGYU_BENCH_STORE="$PWD/$store"

echo "== point-in-polygon (criterion)"
cargo bench --bench lookups -- --noplot 2>&1 | grep -E "store |^county|^village|^reverse|thrpt:" || true

echo "== HTTP: start-up and memory (server with its default workers)"
port=18080
target/release/fangyu serve --store "$store" --listen "127.0.0.1:$port" >target/bench-serve.log 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
start=$(date +%s.%N)
until curl -sf "127.0.0.1:$port/health" >/dev/null; do sleep 0.2; done
echo "start-up to ready: $(echo "$(date +%s.%N) - $start" | bc) s; RSS $(ps -o rss= -p $pid) KiB"
wait_quiet "http://127.0.0.1:$port"
echo "tiles prepared: $(echo "$(date +%s.%N) - $start" | bc) s; $(grep -E 'VmRSS|VmHWM' /proc/$pid/status | tr -s ' \n' ' ')"
kill $pid; wait $pid 2>/dev/null || true

for mode in machine pinned; do
  echo "== HTTP: /reverse against /health ($mode; scripts/load-common.sh)"
  LOAD_MODE=$mode FANGYU_BENCH_STORE="$store" scripts/http-ratio.sh reverse
done
