# Sourced by the benchmark scripts: system packages, one release build, the
# store to measure ($FANGYU_BENCH_STORE, default the demo store), and the
# pinned HTTP comparison against /health.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
scripts/setup.sh
cargo build --release --bin fangyu
store="${FANGYU_BENCH_STORE:-target/test-demo.gpkg}"
[ -f "$store" ] || target/release/fangyu demo --store "$store"

# Requests/s of one wrk run pinned to core 0 (64 connections, 10 s).
rate() { taskset -c 0 wrk -t1 -c64 -d10s "$@" | awk '/Requests\/sec/ {print $2}'; }
median() { printf '%s\n' "$@" | sort -g | sed -n 2p; }

# Waits until the server at URL has finished its start-up work on other
# threads (the tiles generalise every zoom in the background), so that it
# does not compete with the load.
wait_quiet() {
  until curl -sf "$1/ready" | grep -q '"tiles":"ready"'; do sleep 1; done
}

# against_health NAME URL WRK-ARGS…: alternates /health and the route three
# times on the server at $port and prints both medians and their ratio.
against_health() {
  local name=$1 base=$2
  shift 2
  wait_quiet "$base"
  local h=() r=()
  for _ in 1 2 3; do
    h+=("$(rate "$base/health")")
    r+=("$(rate "$@")")
  done
  local health route
  health=$(median "${h[@]}")
  route=$(median "${r[@]}")
  echo "/health   ${h[*]} req/s (median $health)"
  echo "$name  ${r[*]} req/s (median $route)"
  echo "ratio $name : /health = $(echo "scale=3; $route / $health" | bc)"
}
