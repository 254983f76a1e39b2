#!/usr/bin/env bash
# A department's records matched in bulk on a copy of STORE: ROWS records
# (default 200,000) sampled from the store's door plates, half written as
# the standard address, half without the province, streamed through
#  1. POST /geocode/batch (the baseline: the same rows geocoded),
#  2. POST /links/match (each row also marked standard or not),
#  3. POST /links/match?output=summary (the per-township summary),
#  4. POST /links/match?link=true (every matched row linked, one
#     transaction a chunk),
# on the same server. Prints each one's time and rows a second, and the
# match's time as a ratio of the batch's.
# Usage: scripts/bench-links-match.sh [STORE] [ROWS]
set -euo pipefail
cd "$(dirname "$0")/.."

src="${1:-target/test-demo.gpkg}"
rows="${2:-200000}"
work="target/bench-links-match"
bin="target/release/fangyu"
[ -x "$bin" ] || cargo build --release --bin fangyu
mkdir -p "$work"
store="$work/store.gpkg"
rm -f "$store" "$store-wal" "$store-shm"
cp "$src" "$store"
{
  echo "record,address"
  sqlite3 -csv "$store" "SELECT 'R' || fid, CASE WHEN fid % 2 = 0 THEN standard_address
      ELSE substr(standard_address, instr(standard_address, '省') + 1) END
    FROM addresses WHERE kind <> 'room' AND status = 'current'
    ORDER BY (fid * 2654435761) % 4294967296 LIMIT $rows"
} >"$work/in.csv"
admin=$("$bin" token create --role admin --name 管理员 --store "$store" | tail -1 | tr -d ' ')
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
"$bin" serve --listen "127.0.0.1:$port" --store "$store" >"$work/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
until curl -sf "$base/health" >/dev/null 2>&1; do sleep 0.2; done
# A department account of 公安户籍 and its token.
account=$(curl -sf -X POST -H "Authorization: Bearer $admin" -H 'content-type: application/json' "$base/accounts" \
  -d '{"name":"公安户籍接口","department":"公安户籍","roles":["department"]}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
police=$(curl -sf -X POST -H "Authorization: Bearer $admin" -H 'content-type: application/json' "$base/tokens" \
  -d "{\"account\":$account,\"role\":\"department\",\"days\":1}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')

run() { # name path token
  local t
  t=$(curl -s -o "$work/$1.out" -w '%{http_code} %{time_total}' -X POST -H "Authorization: Bearer $3" \
    -H 'content-type: text/csv' --data-binary @"$work/in.csv" "$base$2")
  [ "${t% *}" = 200 ] || { echo "$1: HTTP ${t% *}"; head -c 500 "$work/$1.out"; exit 1; }
  echo "${t#* }"
}
batch=$(run batch /geocode/batch "$admin")
match=$(run match /links/match "$police")
summary=$(run summary "/links/match?output=summary" "$police")
linked=$(run link "/links/match?link=true" "$police")
python3 - "$rows" "$batch" "$match" "$summary" "$linked" "$work" <<'PY'
import json, sys, csv
rows, batch, match, summary, linked, work = int(sys.argv[1]), *map(float, sys.argv[2:6]), sys.argv[6]
for name, t in [("geocode/batch", batch), ("links/match", match), ("links/match summary", summary), ("links/match link=true", linked)]:
    print(f"{name:24} {t:7.1f} s  {rows / t:9.0f} rows/s")
print(f"match / batch time: {match / batch:.2f}")
s = json.load(open(f"{work}/summary.out"))
print(f"summary: {s['rows']} rows, {s['matched']} matched, {s['non_standard']} non-standard in {len(s['by_division'])} townships")
n = sum(1 for r in csv.DictReader(open(f"{work}/link.out", encoding="utf-8")) if r["linked"] == "true")
print(f"linked: {n} rows")
PY
