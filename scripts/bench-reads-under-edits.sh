#!/usr/bin/env bash
# Reads while edits are applied: a server over a copy of a store answers
# /reverse (and /geocode, when scripts/bench-geocode.sh has written its
# queries) under load, alternately quiet and while another process commits
# 100 edits a second into the same store, which the server follows and
# applies (examples/edit_visible.rs --rate). Prints each round's rates and
# ratio, the median ratio, and the server's RSS after each round.
# Usage: scripts/bench-reads-under-edits.sh [STORE] [ROUNDS] [SECS]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/load-common.sh
src="${1:-target/test-demo.gpkg}"
rounds="${2:-5}"
secs="${3:-10}"
copy="target/bench-reads.gpkg"
cargo build --release --bin fangyu --example edit_visible
serve_copy "$src" "$copy"
routes=(reverse)
[ -f target/bench-geocode/queries.txt ] && routes+=(geocode)
for route in "${routes[@]}"; do
  route_setup "$route"
  ratios=()
  for r in $(seq 1 "$rounds"); do
    quiet=$(load_rate "$secs" "${route_load[@]}" "$url" "${route_args[@]}")
    target/release/examples/edit_visible "$copy" $((secs * 100 + 100)) --rate 100 >/tmp/edits.out &
    driver=$!
    # The driver reads its samples first; the edits start when it says so.
    until grep -q driving /tmp/edits.out 2>/dev/null; do sleep 0.1; done
    sleep 0.5
    busy=$(load_rate "$secs" "${route_load[@]}" "$url" "${route_args[@]}")
    wait $driver
    ratio=$(echo "scale=3; $busy / $quiet" | bc)
    ratios+=("$ratio")
    rss=$(awk '/VmRSS/ {printf "%.0f", $2/1024}' "/proc/$server/status")
    echo "$route round $r: quiet $quiet req/s, under edits $busy req/s, ratio $ratio; $(cat /tmp/edits.out); RSS $rss MB"
  done
  printf '%s\n' "${ratios[@]}" | sort -n | awk -v r="$route" '{a[NR]=$1} END {print r ": median ratio under 100 edits/s " a[int((NR+1)/2)]}'
done
