# Sourced by the HTTP load scripts: the two load setups and the paired
# ratio of a route against /health.
#
# Setups (LOAD_MODE):
#  machine (default): the server with its default workers and `wrk -t2 -c64`
#    sharing both cores, as a client on the same box would. This is the
#    setup in which a bare axum handler serves ~100k req/s on the 2-core
#    benchmark machine (the figure the targets were set against).
#  pinned: the server on core 1 with one worker, `wrk -t1 -c64` on core 0:
#    the server's own cost per request, without the load generator's share
#    of the CPU, and stricter for slow routes (the idle client core must be
#    woken for each answer).
#
# Every route, /health included, is driven by a wrk script that takes its
# request from a list formatted in init (benches/load/*.lua), so that the
# load generator does the same work per request whatever the route.

# route_setup geocode|reverse: sets `store` ($FANGYU_BENCH_STORE, default
# the national store for geocode, the demo store for reverse) and the wrk
# arguments before (`route_load`) and after (`route_args`) the base URL.
# Geocode queries come from target/bench-geocode/queries.txt (written by
# scripts/bench-geocode.sh); reverse points from benches/load/reverse.lua.
route_setup() {
  case "$1" in
    geocode)
      store="${FANGYU_BENCH_STORE:-target/national.gpkg}"
      local queries=target/bench-geocode/queries.txt
      [ -f "$queries" ] || { echo "run scripts/bench-geocode.sh once for $queries" >&2; exit 1; }
      route_load=(-s benches/load/geocode.lua) route_args=(-- "$queries") ;;
    reverse)
      store="${FANGYU_BENCH_STORE:-target/test-demo.gpkg}"
      route_load=(-s benches/load/reverse.lua) route_args=() ;;
    *) echo "route: geocode or reverse" >&2; exit 2 ;;
  esac
}

# The command prefix that starts a server for the setup.
serve_prefix() {
  case "${LOAD_MODE:-machine}" in
    pinned) echo "env FANGYU_WORKERS=1 taskset -c 1" ;;
    machine) echo "env" ;;
    *) echo "LOAD_MODE: machine or pinned" >&2; return 2 ;;
  esac
}

# Requests/s of one wrk run of SECS seconds: load_rate SECS WRK-ARGS…
load_rate() {
  local secs=$1
  shift
  case "${LOAD_MODE:-machine}" in
    pinned) taskset -c 0 wrk -t1 -c64 -d"${secs}s" "$@" ;;
    *) wrk -t2 -c64 -d"${secs}s" "$@" ;;
  esac | awk '/Requests\/sec/ {print $2}'
}

# Waits until the server at URL has finished its start-up work on other
# threads (the tiles generalise every zoom in the background), so that it
# does not compete with the load.
wait_quiet() {
  until curl -sf "$1/ready" 2>/dev/null | grep -q '"tiles":"ready"'; do sleep 1; done
}

# pair_ratios NAME URL PAIRS SECS WRK-ARGS…: PAIRS times, /health then the
# route for SECS seconds each; prints each pair and the median, lowest and
# highest ratio of the pairs. Host noise lasting longer than a pair falls on
# both of its runs alike, so the pairs' ratios spread less than the rates.
pair_ratios() {
  local name=$1 base=$2 pairs=$3 secs=$4
  shift 4
  wait_quiet "$base"
  local ratios=() h r
  for i in $(seq 1 "$pairs"); do
    h=$(load_rate "$secs" -s benches/load/health.lua "$base")
    r=$(load_rate "$secs" "$@")
    ratios+=("$(echo "scale=3; $r / $h" | bc)")
    echo "pair $i: /health $h req/s, $name $r req/s, ratio ${ratios[-1]}"
  done
  local sorted
  sorted=$(printf '%s\n' "${ratios[@]}" | sort -g)
  echo "ratio $name : /health (${LOAD_MODE:-machine}, $pairs pairs of ${secs} s): median" \
    "$(echo "$sorted" | sed -n "$(((pairs + 1) / 2))p"), lowest $(echo "$sorted" | head -1)," \
    "highest $(echo "$sorted" | tail -1)"
}

# serve_copy SRC COPY [LOG]: copies the store SRC to COPY (its WAL folded
# in first) and serves the copy on a free port, returning once its start-up
# work is done; sets `server` (the pid) and `url`, and kills the server on
# exit. Build the binary first.
serve_copy() {
  local src=$1 copy=$2 log=${3:-/dev/null} port
  sqlite3 "$src" 'PRAGMA wal_checkpoint(TRUNCATE);' >/dev/null
  rm -f "$copy" "$copy-wal" "$copy-shm"
  cp "$src" "$copy"
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  target/release/fangyu serve --listen "127.0.0.1:$port" --store "$copy" >"$log" 2>&1 &
  server=$!
  trap 'kill $server 2>/dev/null || true' EXIT
  url="http://127.0.0.1:$port"
  until curl -sf "$url/health" >/dev/null 2>&1; do sleep 0.5; done
  wait_quiet "$url"
}
