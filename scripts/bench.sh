#!/usr/bin/env bash
# Benchmarks, each reported against a baseline measured in the same run:
#  1. in-process point-in-polygon (criterion; baselines: R-tree + geo contains,
#     R-tree + geo interval trees);
#  2. HTTP: /reverse throughput as a ratio of /health throughput (wrk, loopback).
# Store: $FANGYU_BENCH_STORE (default target/test-demo.gpkg).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cargo build --release --bin fangyu
store="${FANGYU_BENCH_STORE:-target/test-demo.gpkg}"
[ -f "$store" ] || target/release/fangyu demo --store "$store"
export FANGYU_BENCH_STORE="$PWD/$store"

echo "== point-in-polygon (criterion)"
cargo bench --bench lookups -- --noplot 2>&1 | grep -E "store |^county|^village|^reverse|thrpt:" || true

echo "== HTTP load (server pinned to core 1 with one worker, wrk pinned to core 0; 64 connections)"
port=18080
FANGYU_WORKERS=1 taskset -c 1 target/release/fangyu serve --store "$store" --listen "127.0.0.1:$port" >target/bench-serve.log 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
start=$(date +%s.%N)
until curl -sf "127.0.0.1:$port/health" >/dev/null; do sleep 0.2; done
echo "start-up to ready: $(echo "$(date +%s.%N) - $start" | bc) s; RSS $(ps -o rss= -p $pid) KiB"
rate() { taskset -c 0 wrk -t1 -c64 -d10s "$@" | awk '/Requests\/sec/ {print $2}'; }
# Alternate the two endpoints three times and keep the medians.
h=(); r=()
for i in 1 2 3; do
  h+=("$(rate "http://127.0.0.1:$port/health")")
  r+=("$(rate -s benches/load/reverse.lua "http://127.0.0.1:$port")")
done
median() { printf '%s\n' "$@" | sort -g | sed -n 2p; }
health=$(median "${h[@]}"); reverse=$(median "${r[@]}")
echo "/health   ${h[*]} req/s (median $health)"
echo "/reverse  ${r[*]} req/s (median $reverse)"
echo "ratio /reverse : /health = $(echo "scale=3; $reverse / $health" | bc)"
