#!/usr/bin/env bash
# Memory over an edit run: a server over a copy of a store (default the
# national store) follows another process committing 100 edits a second
# (examples/edit_visible.rs --rate) for SECS seconds, while /reverse is
# under load; prints the server's RSS every 30 s, and the ratio of the
# last sample to the first.
# Usage: scripts/bench-rss-under-edits.sh [STORE] [SECS]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/load-common.sh
src="${1:-target/national.gpkg}"
secs="${2:-600}"
copy="target/bench-rss.gpkg"
cargo build --release --bin fangyu --example edit_visible
# (The tiles' start-up work, every zoom generalised, is done first.)
serve_copy "$src" "$copy"
reads=""
trap 'kill $server 2>/dev/null || true; [ -n "$reads" ] && kill $reads 2>/dev/null || true' EXIT
rss() { awk '/VmRSS/ {printf "%.0f", $2/1024}' "/proc/$server/status"; }
first=$(rss)
echo "before the edits: RSS $first MB"
wrk -t1 -c8 -d"${secs}s" -s benches/load/reverse.lua "$url" >/tmp/rss-reads.out 2>&1 &
reads=$!
target/release/examples/edit_visible "$copy" $((secs * 100)) --rate 100 >/tmp/rss-edits.out &
driver=$!
start=$(date +%s)
while kill -0 $driver 2>/dev/null; do
  sleep 30
  echo "after $(( $(date +%s) - start )) s: RSS $(rss) MB, overlay $(curl -sf "$url/ready" | python3 -c 'import json,sys; print(json.load(sys.stdin).get("index_overlay"))')"
done
wait $driver
cat /tmp/rss-edits.out
last=$(rss)
echo "RSS first $first MB, last $last MB, ratio $(echo "scale=3; $last / $first" | bc)"
