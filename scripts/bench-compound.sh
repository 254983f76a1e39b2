#!/usr/bin/env bash
# A compound of a thousand rooms through the API on a copy of STORE: a
# reviewer issues one new building of 2 units × 25 floors × 20 rooms (1,000
# rooms and the building) in one request, RUNS times (a new building each
# time). Prints each request's time and the median, beside the same
# server's GET /health on the same connection setup as a baseline.
# Usage: scripts/bench-compound.sh [STORE] [RUNS]   (default target/test-demo.gpkg, 5)
set -euo pipefail
cd "$(dirname "$0")/.."

src="${1:-target/test-demo.gpkg}"
runs="${2:-5}"
work="target/bench-compound"
bin="target/release/fangyu"
[ -x "$bin" ] || cargo build --release --bin fangyu
mkdir -p "$work"
store="$work/store.gpkg"
rm -f "$store" "$store-wal" "$store-shm"
cp "$src" "$store"
reviewer=$("$bin" token create --role reviewer --name 区民政局地名科 --store "$store" | tail -1 | tr -d ' ')
read -r compound lon lat < <(sqlite3 -separator ' ' "$store" \
  "SELECT p.fid, a.lon, a.lat FROM places p JOIN addresses a ON a.place_fid = p.fid WHERE p.class = 'compound' \
   AND a.kind = 'building' ORDER BY p.fid, a.fid LIMIT 1")

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
"$bin" serve --listen "127.0.0.1:$port" --store "$store" >"$work/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
until curl -sf "$base/health" >/dev/null 2>&1; do sleep 0.2; done

times=()
for i in $(seq 1 "$runs"); do
  body="{\"buildings\":[{\"number\":\"$((900 + i))\",\"lon\":$lon,\"lat\":$lat,\"units\":2,\"floors\":25,\"rooms_per_floor\":20}]}"
  t=$(curl -s -o "$work/out.json" -w '%{http_code} %{time_total}' -X POST -H "Authorization: Bearer $reviewer" \
    -H 'content-type: application/json' "$base/compounds/$compound/addresses" -d "$body")
  code=${t% *}
  [ "$code" = 201 ] || { echo "request $i: HTTP $code"; cat "$work/out.json"; exit 1; }
  times+=("${t#* }")
  echo "request $i: $(python3 -c "import json; o=json.load(open('$work/out.json')); print(o['rooms'], 'rooms,', o['buildings'], 'building')") in ${t#* } s"
done
health=$(curl -s -o /dev/null -w '%{time_total}' "$base/health")
printf '%s\n' "${times[@]}" | sort -n | awk -v h="$health" '{a[NR]=$1} END {m=a[int((NR+1)/2)]; printf "median %.3f s for 1,000 rooms (GET /health %.4f s)\n", m, h}'
