#!/usr/bin/env bash
# Side by side in one run: fangyu's tiles (cut on the fly with the cache
# off, then cached, plain and gzip) and Martin 1.14 serving the county
# polygons from PostGIS (cache off, then cached), over the fixed tile lists.
# fangyu is measured twice: its `county` tileset (the same county polygons
# as Martin's source: the like-for-like figures the targets apply to) and
# its `base` tileset (every layer, much more work per tile);
# then the county layer of all China, z0–z10, by `fangyu tiles build` and by
# ogr2ogr. Prints tiles/s and the ratios. Needs martin.sh's setup (README).
# Usage: benches/tiles/compare.sh [STORE] [DURATION]
set -euo pipefail
cd "$(dirname "$0")/../.."
store="${1:-target/test-demo.gpkg}"
duration="${2:-10s}"
work=/tmp/fangyu-tile-compare
mkdir -p "$work"
benches/tiles/tile-list.py > "$work/z5-12.txt"
benches/tiles/tile-list.py --max-zoom 10 > "$work/z5-10.txt"
rate() { sed -n 's/^tiles\/s=\([0-9.]*\).*/\1/p' | tail -1; }
declare -A r

start_fangyu() { # config, port
  target/release/fangyu --config "$1" serve --store "$store" --listen "127.0.0.1:$2" > "$work/fangyu-$2.log" 2>&1 &
  echo $! > "$work/fangyu-$2.pid"
  for _ in $(seq 1 300); do grep -q "every zoom generalised" "$work/fangyu-$2.log" && return; sleep 1; done
  echo "fangyu did not get ready" >&2; exit 1
}
stop_fangyu() { kill "$(cat "$work/fangyu-$1.pid")"; wait "$(cat "$work/fangyu-$1.pid")" 2>/dev/null || true; }

printf '[tiles]\ncache_mb = 0\n' > "$work/nocache.toml"
printf '[tiles]\ncache_mb = 512\n' > "$work/cache.toml"

start_fangyu "$work/nocache.toml" 18091
for set in county base; do
  for l in z5-12 z5-10; do
    r[${set}_fly_$l]=$(benches/tiles/load.sh "http://127.0.0.1:18091/tiles/$set/" "$work/$l.txt" --duration "$duration" | rate)
  done
done
stop_fangyu 18091
start_fangyu "$work/cache.toml" 18092
for set in county base; do
  for l in z5-12 z5-10; do
    url="http://127.0.0.1:18092/tiles/$set/"
    r[${set}_cached_$l]=$(benches/tiles/load.sh "$url" "$work/$l.txt" --warmup --duration "$duration" | rate)
    r[${set}_cached_gzip_$l]=$(benches/tiles/load.sh "$url" "$work/$l.txt" --gzip --duration "$duration" | rate)
  done
done
stop_fangyu 18092

benches/tiles/martin.sh start --cache-mb 0 > /dev/null
for l in z5-12 z5-10; do
  r[martin_uncached_$l]=$(benches/tiles/load.sh http://127.0.0.1:3000/counties/ "$work/$l.txt" --duration "$duration" | rate)
done
benches/tiles/martin.sh stop > /dev/null
benches/tiles/martin.sh start > /dev/null
for l in z5-12 z5-10; do
  r[martin_cached_$l]=$(benches/tiles/load.sh http://127.0.0.1:3000/counties/ "$work/$l.txt" --warmup --duration "$duration" | rate)
  r[martin_cached_gzip_$l]=$(benches/tiles/load.sh http://127.0.0.1:3000/counties/ "$work/$l.txt" --gzip --duration "$duration" | rate)
done
benches/tiles/martin.sh stop > /dev/null

t0=$(date +%s.%N)
target/release/fangyu tiles build --store "$store" --layers county --every-zoom --min-zoom 0 --max-zoom 10 \
  --out "$work/counties.pmtiles" 2> "$work/build.log"
t1=$(date +%s.%N)
benches/tiles/ogr2ogr-mbtiles.sh "$store" --out "$work/ogr.mbtiles" > "$work/ogr.log" 2>&1
t2=$(date +%s.%N)
r[fangyu_build_s]=$(echo "$t1 - $t0" | bc)
r[ogr2ogr_build_s]=$(echo "$t2 - $t1" | bc)

for k in $(printf '%s\n' "${!r[@]}" | sort); do printf '%-28s %s\n' "$k" "${r[$k]}"; done
ratio() { echo "scale=2; $1 / $2" | bc; }
for set in county base; do
  for l in z5-12 z5-10; do
    echo "$set $l on-the-fly / Martin uncached:        $(ratio "${r[${set}_fly_$l]}" "${r[martin_uncached_$l]}")  (target 2)"
    echo "$set $l cached gzip / Martin cached gzip:     $(ratio "${r[${set}_cached_gzip_$l]}" "${r[martin_cached_gzip_$l]}")  (target 3)"
    echo "$set $l cached plain / Martin cached plain:   $(ratio "${r[${set}_cached_$l]}" "${r[martin_cached_$l]}")  (target 1)"
  done
done
echo "county layer z0-z10: ogr2ogr / fangyu time: $(ratio "${r[ogr2ogr_build_s]}" "${r[fangyu_build_s]}")  (target 3)"
tail -1 "$work/build.log"
