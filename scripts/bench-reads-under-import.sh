#!/usr/bin/env bash
# Reads while a CLI import and API writes run: a server over a copy of a
# store answers /health and /reverse under load (wrk, latency percentiles),
# first quiet, then while `fangyu import` writes places into the same store
# (one import after another, each of IMPORT_ROWS roads in one transaction,
# for SECS seconds) and an API client makes 100 writes a second
# (POST /accounts with an admin token). Prints, per route, the quiet and busy
# rates and p99, the throughput ratio, and the writes' outcomes.
# The import runs at nice 19 and the writer at nice 10, as an operator runs
# a bulk job beside a live service (on two cores the import alone takes one).
# With IMPORT_ELSEWHERE=1 the imports write into another copy of the store,
# which the server does not follow: the same processes take the same CPU,
# but the server has nothing of theirs to apply. The difference between the
# two runs is what following the imports costs the reads; what is left is
# the machine's two cores shared with the importer and the writer.
# Usage: scripts/bench-reads-under-import.sh [STORE] [SECS] [IMPORT_ROWS]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/load-common.sh
src="${1:-target/test-demo.gpkg}"
secs="${2:-600}"
rows="${3:-20000}"
work="target/bench-import-load"
copy="$work/store.gpkg"
mkdir -p "$work"
cargo build --release --bin fangyu
python3 - "$work/roads.geojson" "$rows" <<'EOF'
import json, sys
path, n = sys.argv[1], int(sys.argv[2])
with open(path, "w") as f:
    f.write('{"type":"FeatureCollection","features":[\n')
    for i in range(n):
        x, y = 121.40 + (i % 300) * 0.0003, 29.80 + (i // 300) * 0.0003
        feature = {"type": "Feature", "properties": {"name": f"衡载{i}路", "class": "road", "division": "330203"},
                   "geometry": {"type": "LineString", "coordinates": [[x, y], [x + 0.0002, y + 0.0001]]}}
        f.write(("," if i else "") + json.dumps(feature, ensure_ascii=False) + "\n")
    f.write("]}\n")
EOF
serve_copy "$src" "$copy" "$work/serve.log"
target="$copy"
if [ "${IMPORT_ELSEWHERE:-0}" = 1 ]; then
  target="$work/elsewhere.gpkg"
  rm -f "$target" "$target-wal" "$target-shm"
  sqlite3 "$copy" ".backup '$target'"
fi
# The server follows its store's log: a token made by the CLI works at once.
admin=$(target/release/fangyu token create --role admin --name 压测管理员 --store "$copy")

# wrk_run SECS SCRIPT: "rate p99_ms"
wrk_run() {
  wrk -t2 -c64 -d"$1s" --latency -s "$2" "$url" | awk '
    /Requests\/sec/ {rate=$2}
    /^ +99%/ {v=$2; if (v ~ /us$/) {sub(/us/,"",v); v/=1000} else if (v ~ /ms$/) {sub(/ms/,"",v)} else if (v ~ /s$/) {sub(/s/,"",v); v*=1000}; p99=v}
    END {printf "%s %.2f\n", rate, p99}'
}

quiet_h=$(wrk_run 30 benches/load/health.lua)
quiet_r=$(wrk_run 30 benches/load/reverse.lua)

# The writers: imports one after another, and 100 API writes a second.
(
  end=$((SECONDS + secs)) n=0
  while [ $SECONDS -lt $end ]; do
    nice -n 19 target/release/fangyu import "$work/roads.geojson" --kind places --store "$target" >/dev/null 2>>"$work/import.err"
    n=$((n + 1))
  done
  echo "$n" >"$work/imports.count"
) &
importer=$!
nice -n 10 python3 - "$url" "$admin" "$secs" >"$work/writes.out" <<'EOF' &
import json, sys, threading, time, urllib.request, urllib.error
url, token, secs = sys.argv[1], sys.argv[2], float(sys.argv[3])
lock, outcomes, lat = threading.Lock(), {}, []
# At most 32 requests in flight: a tick that finds them all busy is counted
# as not sent, so the client never piles up threads.
slots = threading.BoundedSemaphore(32)
def write(i):
    body = json.dumps({"name": f"压测{i}", "department": "压测", "roles": []}).encode()
    req = urllib.request.Request(f"{url}/accounts", data=body, method="POST",
                                 headers={"authorization": f"Bearer {token}", "content-type": "application/json"})
    t = time.monotonic()
    try:
        status = urllib.request.urlopen(req, timeout=30).status
    except urllib.error.HTTPError as e:
        status = e.code
    except Exception as e:
        status = type(e).__name__
    with lock:
        outcomes[status] = outcomes.get(status, 0) + 1
        lat.append(time.monotonic() - t)
    slots.release()
start, i, skipped, threads = time.monotonic(), 0, 0, []
while time.monotonic() - start < secs:
    i += 1
    if slots.acquire(blocking=False):
        th = threading.Thread(target=write, args=(i,)); th.start(); threads.append(th)
    else:
        skipped += 1
    time.sleep(max(0.0, start + i / 100 - time.monotonic()))
for th in threads:
    th.join()
lat.sort()
print(f"API writes: {i} ticks ({i / secs:.0f}/s), {skipped} not sent (32 in flight), outcomes {outcomes}, "
      f"p50 {lat[len(lat) // 2] * 1000:.0f} ms, p99 {lat[int(len(lat) * 0.99)] * 1000:.0f} ms")
EOF
writer=$!
sleep 2
# Each route for half of the busy time.
half=$(((secs - 10) / 2))
busy_r=$(wrk_run "$half" benches/load/reverse.lua)
busy_h=$(wrk_run "$half" benches/load/health.lua)
wait $importer $writer
report() {
  read -r qr qp <<<"$2"
  read -r br bp <<<"$3"
  echo "$1: quiet $qr req/s p99 $qp ms; under import + writes $br req/s p99 $bp ms; ratio $(echo "scale=3; $br / $qr" | bc)"
}
report /health "$quiet_h" "$busy_h"
report /reverse "$quiet_r" "$busy_r"
echo "CLI imports: $(cat "$work/imports.count") of $rows places in $secs s into $target; $(sqlite3 "$target" "SELECT COUNT(*) FROM change_log WHERE entity='place'") place entries in its log"
cat "$work/writes.out"
rss=$(awk '/VmRSS/ {printf "%.0f", $2/1024}' "/proc/$server/status")
echo "server RSS after: $rss MB"
