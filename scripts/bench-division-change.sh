#!/usr/bin/env bash
# A division change through the API on a copy of STORE: 宁海县 (330226)
# becomes a district. A reviewer proposes it, an administrator approves it,
# and the script waits until the server has applied it and the change feed
# has announced it. Prints how long the approval took, how long from the
# approval until the change was announced (every index and the tiles
# follow by then), and the request's outcome (versions, addresses re-coded,
# places moved, lines changed).
# Usage: scripts/bench-division-change.sh [STORE]   (default target/test-demo.gpkg)
set -euo pipefail
cd "$(dirname "$0")/.."

src="${1:-target/test-demo.gpkg}"
work="target/bench-division-change"
bin="target/release/fangyu"
[ -x "$bin" ] || cargo build --release --bin fangyu
mkdir -p "$work"
store="$work/store.gpkg"
rm -f "$store" "$store-wal" "$store-shm"
"$bin" audit verify --store "$src" >/dev/null 2>&1 || true
cp "$src" "$store"
# `token create` prints the secret on its last line.
admin=$("$bin" token create --role admin --name 区划处处长 --store "$store" | tail -1 | tr -d ' ')
reviewer=$("$bin" token create --role reviewer --name 区划处审核员 --store "$store" | tail -1 | tr -d ' ')

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
"$bin" serve --listen "127.0.0.1:$port" --store "$store" >"$work/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
until curl -sf "$base/health" >/dev/null 2>&1; do sleep 0.2; done

today=$(date +%F)
id=$(curl -sf -X POST -H "Authorization: Bearer $reviewer" -H 'content-type: application/json' \
  "$base/division-changes" \
  -d "{\"kind\":\"reclassify\",\"code\":\"330226\",\"new_name\":\"宁海区\",\"effective_on\":\"$today\",\"reason\":\"撤县设区\"}" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
head=$(curl -sf -H "Authorization: Bearer $admin" "$base/changes?since=9223372036854775807" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["next"])')

start=$(date +%s.%N)
curl -sf -o /dev/null -X POST -H "Authorization: Bearer $admin" "$base/division-changes/$id/approve"
approved=$(date +%s.%N)
until curl -sf -H "Authorization: Bearer $admin" "$base/changes?since=$head&kind=division&limit=1000" |
  grep -q '"action":"create"'; do
  sleep 0.1
done
announced=$(date +%s.%N)
curl -sf -H "Authorization: Bearer $admin" "$base/division-changes/$id" | python3 -c '
import json, sys
r = json.load(sys.stdin)
o = r["outcome"] or {}
keys = ["versions_ended", "versions_started", "addresses_recoded", "places_moved", "lines_changed"]
print("state", r["state"] + ":", ", ".join(f"{k} {o.get(k)}" for k in keys))'
python3 -c "print(f'approval answered in {($approved - $start)*1000:.0f} ms; announced {($announced - $start):.1f} s after the approval')"
grep -o 'division change [0-9]* applied in [^:]*' "$work/server.log" || true
