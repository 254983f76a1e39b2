#!/usr/bin/env bash
# Soak: one server over a copy of STORE under a mixed load for SECS seconds
# (default 1800), everything on 127.0.0.1:
#  - reads of every read route by wrk (benches/load/soak.lua), rotating over
#    a list of requests made from the store's own ids and codes
#    (benches/load/soak.py requests);
#  - writes through the API at a steady SOAK_WRITE_RATE a second (20):
#    naming proposals carried a few steps, accounts and their tokens,
#    short-lived webhook subscriptions, with tokens from `fangyu token create`;
#  - a POST /geocode/batch job of SOAK_BATCH_ROWS rows (3000) every
#    SOAK_BATCH_EVERY seconds (30), and GET /audit/verify every fourth job;
#  - SOAK_SSE event streams (3) on /changes/stream held open throughout,
#    and one webhook subscription delivering to a local receiver;
#  - the server's RSS every 10 s to target/bench-soak/rss.csv.
# At the end it prints the answers per route with any that were not 2xx/3xx,
# the clients' own counts and connection errors, and whether the RSS of the
# last 10 minutes (the last third of a shorter run) stayed within 5 %; it
# exits 1 if a request failed (5xx, 429, connection error) or memory was
# not flat. SOAK_WRK_CONNECTIONS (8) sets wrk's connections; SOAK_BUILD=0
# uses target/release/fangyu as it is.
# Usage: scripts/bench-soak.sh STORE [SECS]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/load-common.sh

src="${1:?usage: scripts/bench-soak.sh STORE [SECS]}"
secs="${2:-1800}"
work="target/bench-soak"
clients="benches/load/soak.py"
write_rate="${SOAK_WRITE_RATE:-20}"
batch_every="${SOAK_BATCH_EVERY:-30}"
batch_rows="${SOAK_BATCH_ROWS:-3000}"
sse_streams="${SOAK_SSE:-3}"
wrk_connections="${SOAK_WRK_CONNECTIONS:-8}"
bin="target/release/fangyu"

# The background jobs of the run, ended on exit if still there.
jobs_started=()
receiver=""
cleanup() {
  for p in "${jobs_started[@]}" $receiver; do kill "$p" 2>/dev/null || true; done
  kill "$server" 2>/dev/null || true
}

# json_field KEY: the value of KEY in the JSON object on stdin.
json_field() {
  python3 -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"
}

# api METHOD PATH TOKEN [JSON]: one request to the server; prints the body,
# fails on a status that is not 2xx.
api() {
  local args=(-sS --fail-with-body -X "$1" -H "authorization: Bearer $3")
  [ $# -ge 4 ] && args+=(-H 'content-type: application/json' --data-binary "$4")
  curl "${args[@]}" "$url$2"
}

# Tokens for the writers and readers, one new account per role, made by the
# CLI in the served store (the server follows its store's log).
make_tokens() {
  local role first=1
  echo "{" >"$work/tokens.json"
  for role in admin applicant reviewer expert subscriber; do
    [ $first = 1 ] || echo "," >>"$work/tokens.json"
    first=0
    printf '"%s": "%s"' "$role" \
      "$("$bin" token create --role "$role" --name "压测$role" --store "$copy" 2>>"$work/tokens.log")" >>"$work/tokens.json"
  done
  echo "}" >>"$work/tokens.json"
}
token() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$work/tokens.json" "$1"; }

# The webhook receiver (it stops by itself a minute after the run), and
# the subscription it receives for: every change, signed.
start_webhook() {
  rm -f "$work/receiver.port" "$work/webhook.secret"
  python3 "$clients" receiver "$work/receiver.port" "$work/webhook.secret" $((secs + 60)) "$work/receiver.json" &
  receiver=$!
  until [ -s "$work/receiver.port" ]; do sleep 0.2; done
  receiver_url="http://127.0.0.1:$(cat "$work/receiver.port")"
  local answer
  answer=$(api POST /subscriptions "$(token subscriber)" "{\"url\":\"$receiver_url/hook\"}")
  subscription=$(json_field id <<<"$answer")
  json_field secret <<<"$answer" >"$work/webhook.secret"
}

# One proposal for GET /proposals/{id} to read.
seed_proposal() {
  local line
  line=$(sqlite3 "$copy" "SELECT lon || ',' || lat FROM addresses WHERE division_code LIKE '330203%' AND kind = 'road_plate' ORDER BY fid LIMIT 1")
  local lon=${line%,*} lat=${line#*,}
  proposal=$(api POST /proposals "$(token applicant)" \
    "{\"kind\":\"name\",\"class\":\"road\",\"name\":\"望舒路\",\"division\":\"330203\",\"geometry\":{\"type\":\"LineString\",\"coordinates\":[[$lon,$lat],[$(echo "$lon + 0.002" | bc),$lat]]}}" |
    json_field id)
}

# sample_rss: VmRSS every 10 s to rss.csv until the end of the run.
sample_rss() {
  local start now
  start=$(date +%s)
  echo "elapsed_s,rss_kb" >"$work/rss.csv"
  while now=$(date +%s) && [ $((now - start)) -le "$secs" ]; do
    awk -v t=$((now - start)) '/^VmRSS/ {print t "," $2}' "/proc/$server/status" >>"$work/rss.csv" 2>/dev/null || break
    sleep 10
  done
}

# sse_stream N: one event stream held open for the run (curl's --max-time
# ends it: exit 28); writes its HTTP status and curl's exit code.
sse_stream() {
  local n=$1 rc=0 code filter=("" "?kind=proposal" "?division=3302")
  code=$(curl -sS -N --max-time "$secs" -H "authorization: Bearer $(token subscriber)" \
    -o "$work/sse-$n.out" --stderr "$work/sse-$n.err" -w '%{http_code}' "$url/changes/stream${filter[$((n % 3))]}") || rc=$?
  echo "$code $rc" >"$work/sse-$n.status"
}

# Waits (at most 30 s) for the webhook to be delivered up to the head.
drain_webhook() {
  local i
  for i in $(seq 1 30); do
    api GET "/subscriptions/$subscription" "$(token subscriber)" >"$work/subscription.json"
    [ "$(json_field pending <"$work/subscription.json")" = 0 ] && return
    sleep 1
  done
}

mkdir -p "$work"
rm -f "$work"/sse-* "$work"/*.json "$work/wrk.out" "$work/rss.csv" "$work/server.alive"
[ "${SOAK_BUILD:-1}" = 0 ] || cargo build --release --bin fangyu
copy="$work/store.gpkg"
# (Returns once the tiles' start-up work is done.)
serve_copy "$src" "$copy" "$work/serve.log"
trap cleanup EXIT

echo "setting up: tokens, the webhook, the request list" >&2
make_tokens
start_webhook
seed_proposal
python3 "$clients" requests "$src" "$url" "$work/requests.txt" "$proposal" "$subscription"
curl -sf "$url/metrics" >"$work/metrics-before.txt"

echo "soak: $secs s against $url (pid $server); files in $work" >&2
sample_rss &
jobs_started+=($!)
for n in $(seq 1 "$sse_streams"); do
  sse_stream "$n" &
  jobs_started+=($!)
done
wrk -t2 -c"$wrk_connections" -d"${secs}s" --timeout 10s -s benches/load/soak.lua "$url" \
  -- "$PWD/$work/requests.txt" "$(token admin)" >"$work/wrk.out" 2>&1 &
jobs_started+=($!)
python3 "$clients" writes "$src" "$url" "$secs" "$write_rate" "$work/tokens.json" "$receiver_url" \
  "$work/writes.json" &
jobs_started+=($!)
python3 "$clients" batches "$src" "$url" "$secs" "$batch_every" "$batch_rows" "$(token admin)" \
  "$work/batches.json" &
jobs_started+=($!)
# Every job ends by itself at the end of the run; a job's failure is in
# its output, for the report.
wait "${jobs_started[@]}" || true

if kill -0 "$server" 2>/dev/null; then echo yes; else echo no; fi >"$work/server.alive"
drain_webhook || true
curl -sf "$url/metrics" >"$work/metrics-after.txt" || true
kill -TERM "$receiver" 2>/dev/null || true
wait "$receiver" || true
python3 "$clients" report "$work" "$secs"
