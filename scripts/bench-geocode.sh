#!/usr/bin/env bash
# Forward-geocoding benchmarks on one store ($FANGYU_BENCH_STORE, default the
# demo store; the figures in BENCHMARKS.md use the national store built by
# `fangyu demo --national --store target/national.gpkg`):
#  1. `fangyu geocode` over ROWS addresses (default 1,000,000) sampled from
#     the store's door plates, half standard, half without the province;
#  2. /geocode throughput against /health on the same server, alternating
#     pairs in both load setups (scripts/load-common.sh);
#  3. /geocode/batch streaming all ROWS rows, the server's RSS sampled each
#     second.
source "$(dirname "$0")/bench-common.sh"
rows="${ROWS:-1000000}"
work=target/bench-geocode
mkdir -p "$work"

# A fixed, shuffled sample (multiplicative hash of the row id).
echo "== sampling $rows addresses from $store"
{
  echo "id,address"
  sqlite3 -csv "$store" "SELECT fid, CASE WHEN fid % 2 = 0 THEN standard_address
      ELSE substr(standard_address, instr(standard_address, '省') + 1) END
    FROM addresses WHERE kind <> 'room'
    ORDER BY (fid * 2654435761) % 4294967296 LIMIT $rows"
} >"$work/in.csv"
sqlite3 "$store" "SELECT standard_address FROM addresses WHERE kind <> 'room'
    ORDER BY (fid * 40503) % 65536, fid LIMIT 10000" |
  while IFS= read -r a; do printf '%s' "$a" | od -An -tx1 | tr -d ' \n' | sed 's/\(..\)/%\1/g'; echo; done >"$work/queries.txt"

echo "== fangyu geocode (CLI, all cores)"
/usr/bin/time -f "wall %e s, peak RSS %M KiB" target/release/fangyu geocode "$work/in.csv" --store "$store" -o "$work/out.csv"
echo "match levels:"; cut -d, -f5 "$work/out.csv" | tail -n +2 | sort | uniq -c | sort -rn

for mode in machine pinned; do
  echo "== HTTP: /geocode against /health ($mode; scripts/load-common.sh)"
  LOAD_MODE=$mode FANGYU_BENCH_STORE="$store" scripts/http-ratio.sh geocode
done

echo "== HTTP: /geocode/batch streaming $rows rows (server unpinned, all workers), RSS each second"
port=18081
target/release/fangyu serve --store "$store" --listen "127.0.0.1:$port" >"$work/serve.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
until curl -sf "127.0.0.1:$port/health" >/dev/null; do sleep 0.5; done
wait_quiet "http://127.0.0.1:$port"
echo "RSS before: $(ps -o rss= -p $pid) KiB"
( while kill -0 $pid 2>/dev/null; do ps -o rss= -p $pid; sleep 1; done ) >"$work/rss.txt" &
sampler=$!
start=$(date +%s.%N)
curl -sf -X POST -H 'content-type: text/csv' --data-binary @"$work/in.csv" \
  "127.0.0.1:$port/geocode/batch" -o "$work/batch-out.csv"
secs=$(echo "$(date +%s.%N) - $start" | bc)
kill $sampler 2>/dev/null || true
echo "rows out: $(($(wc -l <"$work/batch-out.csv") - 1)) in $secs s ($(echo "scale=0; $rows / $secs" | bc) rows/s)"
echo "RSS during (KiB): min $(sort -n "$work/rss.txt" | head -1), max $(sort -n "$work/rss.txt" | tail -1), samples $(wc -l <"$work/rss.txt")"
