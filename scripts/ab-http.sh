#!/usr/bin/env bash
# A/B of `/geocode` or `/reverse` against `/health` for two builds on the
# same store, both servers up side by side so that host noise falls on both
# alike.
#   [LOAD_MODE=machine|pinned] [AB_BASE_STORE=…] [AB_NEW_STORE=…] scripts/ab-http.sh geocode|reverse BASE_BIN NEW_BIN [ROUNDS]
# AB_BASE_STORE / AB_NEW_STORE give each build a store of its own (copies of
# one store, when the newer build migrates the schema past the older one).
# The load setups are those of scripts/load-common.sh.
# Store and load: see `route_setup` in scripts/load-common.sh.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/load-common.sh
route=$1 base_bin=$2 new_bin=$3 rounds=${4:-3}
route_setup "$route"
pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true' EXIT
port=18091
# (`env` and `taskset` exec the server, so `$!` is the server itself.)
stores=("${AB_BASE_STORE:-$store}" "${AB_NEW_STORE:-$store}")
for i in 0 1; do
  bin=$([ $i = 0 ] && echo "$base_bin" || echo "$new_bin")
  $(serve_prefix) "$bin" serve --store "${stores[$i]}" --listen "127.0.0.1:$port" >"target/ab-$port.log" 2>&1 &
  pids+=($!)
  port=$((port + 1))
done
for p in 18091 18092; do
  wait_quiet "http://127.0.0.1:$p"
done
for i in $(seq 1 "$rounds"); do
  for p in 18091 18092; do
    h=$(load_rate 5 -s benches/load/health.lua "http://127.0.0.1:$p")
    r=$(load_rate 5 "${route_load[@]}" "http://127.0.0.1:$p" "${route_args[@]}")
    name=$([ $p = 18091 ] && echo base || echo new)
    echo "round $i $name: /health $h /$route $r ratio $(echo "scale=3; $r / $h" | bc)"
  done
done
