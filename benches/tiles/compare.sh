#!/usr/bin/env bash
# Side by side in one run: fangyu's tiles (cut on the fly with the cache
# off, then cached, plain and gzip) and Martin 1.14 serving the county
# polygons from PostGIS (cache off, then cached), over the fixed tile lists.
# fangyu is measured twice: its `county` tileset (the same county polygons
# as Martin's source: the like-for-like figures the targets apply to) and
# its `base` tileset (every layer, much more work per tile).
#
# The servers of a phase run side by side and the loads alternate between
# them ROUNDS times (default 3); each figure is the median of its rounds, so
# a burst of other work on this shared machine hits both sides alike.
# Then the county layer of all China, z0–z10, by `fangyu tiles build` and
# by ogr2ogr. Prints tiles/s and the ratios. Needs martin.sh's setup (README).
# Usage: [ROUNDS=3] benches/tiles/compare.sh [STORE] [DURATION]
set -euo pipefail
cd "$(dirname "$0")/../.."
store="${1:-target/test-demo.gpkg}"
duration="${2:-10s}"
rounds="${ROUNDS:-3}"
work=/tmp/fangyu-tile-compare
mkdir -p "$work"
benches/tiles/tile-list.py > "$work/z5-12.txt"
benches/tiles/tile-list.py --max-zoom 10 > "$work/z5-10.txt"
rate() { sed -n 's/^tiles\/s=\([0-9.]*\).*/\1/p' | tail -1; }
median() { printf '%s\n' "$@" | sort -g | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }
declare -A r runs

start_fangyu() { # config, port
  target/release/fangyu --config "$1" serve --store "$store" --listen "127.0.0.1:$2" > "$work/fangyu-$2.log" 2>&1 &
  echo $! > "$work/fangyu-$2.pid"
  for _ in $(seq 1 300); do
    curl -sf "127.0.0.1:$2/ready" | grep -q '"tiles":"ready"' && return
    sleep 1
  done
  echo "fangyu did not get ready" >&2
  exit 1
}
stop_fangyu() { kill "$(cat "$work/fangyu-$1.pid")"; wait "$(cat "$work/fangyu-$1.pid")" 2>/dev/null || true; }
martin() { WORK="$work/martin-$1" benches/tiles/martin.sh "${@:2}" > /dev/null; }

# measure NAME URL LIST [load.sh options]: one round's figure, kept under NAME.
measure() {
  local name=$1 url=$2 list=$3
  shift 3
  runs[$name]+=" $(benches/tiles/load.sh "$url" "$work/$list.txt" --duration "$duration" "$@" | rate)"
}
warm() { benches/tiles/load.sh "$1" "$work/$2.txt" --warmup --duration 1s > /dev/null; }

printf '[tiles]\ncache_mb = 0\n' > "$work/nocache.toml"
printf '[tiles]\ncache_mb = 512\n' > "$work/cache.toml"

# On the fly: fangyu with its cache off against Martin with its cache off.
start_fangyu "$work/nocache.toml" 18091
martin uncached start --port 3001 --cache-mb 0
for _ in $(seq "$rounds"); do
  for l in z5-12 z5-10; do
    measure "county_fly_$l" http://127.0.0.1:18091/tiles/county/ "$l"
    measure "martin_uncached_$l" http://127.0.0.1:3001/counties/ "$l"
    measure "base_fly_$l" http://127.0.0.1:18091/tiles/base/ "$l"
  done
done
martin uncached stop
stop_fangyu 18091

# Cached: both caches filled first, then plain and gzip.
start_fangyu "$work/cache.toml" 18092
martin cached start --port 3000
for l in z5-12 z5-10; do
  for url in http://127.0.0.1:18092/tiles/county/ http://127.0.0.1:18092/tiles/base/ http://127.0.0.1:3000/counties/; do
    warm "$url" "$l"
  done
done
for _ in $(seq "$rounds"); do
  for l in z5-12 z5-10; do
    for enc in plain gzip; do
      opt=()
      [ "$enc" = gzip ] && opt=(--gzip)
      measure "county_cached_${enc}_$l" http://127.0.0.1:18092/tiles/county/ "$l" "${opt[@]}"
      measure "martin_cached_${enc}_$l" http://127.0.0.1:3000/counties/ "$l" "${opt[@]}"
      measure "base_cached_${enc}_$l" http://127.0.0.1:18092/tiles/base/ "$l" "${opt[@]}"
    done
  done
done
martin cached stop
stop_fangyu 18092

for k in "${!runs[@]}"; do
  # shellcheck disable=SC2086 # the rounds are space-separated on purpose
  r[$k]=$(median ${runs[$k]})
done

t0=$(date +%s.%N)
target/release/fangyu tiles build --store "$store" --layers county --every-zoom --min-zoom 0 --max-zoom 10 \
  --out "$work/counties.pmtiles" 2> "$work/build.log"
t1=$(date +%s.%N)
benches/tiles/ogr2ogr-mbtiles.sh "$store" --out "$work/ogr.mbtiles" > "$work/ogr.log" 2>&1
t2=$(date +%s.%N)
r[fangyu_build_s]=$(echo "$t1 - $t0" | bc)
r[ogr2ogr_build_s]=$(echo "$t2 - $t1" | bc)

echo "tiles/s, median of $rounds rounds (each round's figures in brackets):"
for k in $(printf '%s\n' "${!r[@]}" | sort); do printf '%-30s %-10s [%s ]\n' "$k" "${r[$k]}" "${runs[$k]:-}"; done
ratio() { echo "scale=2; $1 / $2" | bc; }
for set in county base; do
  for l in z5-12 z5-10; do
    echo "$set $l on-the-fly / Martin uncached:        $(ratio "${r[${set}_fly_$l]}" "${r[martin_uncached_$l]}")  (target 2)"
    echo "$set $l cached gzip / Martin cached gzip:     $(ratio "${r[${set}_cached_gzip_$l]}" "${r[martin_cached_gzip_$l]}")  (target 3)"
    echo "$set $l cached plain / Martin cached plain:   $(ratio "${r[${set}_cached_plain_$l]}" "${r[martin_cached_plain_$l]}")  (target 1)"
  done
done
echo "county layer z0-z10: ogr2ogr / fangyu time: $(ratio "${r[ogr2ogr_build_s]}" "${r[fangyu_build_s]}")  (target 3)"
tail -1 "$work/build.log"
