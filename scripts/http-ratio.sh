#!/usr/bin/env bash
# `/geocode` or `/reverse` throughput as a ratio of `/health` throughput on
# one server, in alternating pairs (see scripts/load-common.sh):
#   [LOAD_MODE=machine|pinned] scripts/http-ratio.sh geocode|reverse [PAIRS] [SECS] [BIN]
# Store and load: see `route_setup` in scripts/load-common.sh.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/load-common.sh
route=$1 pairs=${2:-15} secs=${3:-3} bin=${4:-target/release/fangyu}
route_setup "$route"
port=18083
# (`env` and `taskset` exec the server, so `$!` is the server itself.)
$(serve_prefix) "$bin" serve --store "$store" --listen "127.0.0.1:$port" >"target/ratio-$route.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
# The bare axum reference (examples/bare_health.rs), same setup, before and
# after the pairs: how fast the machine was during the run.
bare=target/release/examples/bare_health
[ -x "$bare" ] || cargo build --release --example bare_health
$(serve_prefix) "$bare" 127.0.0.1:18084 >/dev/null 2>&1 &
bare_pid=$!
trap 'kill $pid $bare_pid 2>/dev/null || true' EXIT
until curl -sf 127.0.0.1:18084/health >/dev/null; do sleep 0.2; done
echo "bare axum /health before: $(load_rate "$secs" -s benches/load/health.lua http://127.0.0.1:18084) req/s"
pair_ratios "/$route" "http://127.0.0.1:$port" "$pairs" "$secs" "${route_load[@]}" "http://127.0.0.1:$port" "${route_args[@]}"
echo "bare axum /health after: $(load_rate "$secs" -s benches/load/health.lua http://127.0.0.1:18084) req/s"
