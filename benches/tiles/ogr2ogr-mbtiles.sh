#!/usr/bin/env bash
# Time GDAL's MVT/MBTiles writer on the current county polygons. Not run in CI.
#
#   ogr2ogr-mbtiles.sh [STORE] [--minzoom 0] [--maxzoom 10] [--out FILE] [--threads N]
#
# STORE defaults to target/test-demo.gpkg; it is only read. The MBTiles file goes to
# --out (default: a temporary directory, removed afterwards). --threads sets
# GDAL_NUM_THREADS, which the MVT writer uses to encode tiles (default: ALL_CPUS).
# Prints the elapsed and CPU seconds, the number of rows in the `tiles` table,
# tiles/s, and the tile count per zoom.
set -euo pipefail

cd "$(dirname "$0")/../.."

store="target/test-demo.gpkg"
minzoom=0
maxzoom=10
out=""
threads="ALL_CPUS"
while [[ $# -gt 0 ]]; do
    case "$1" in
        --minzoom) minzoom="$2"; shift 2 ;;
        --maxzoom) maxzoom="$2"; shift 2 ;;
        --out) out="$2"; shift 2 ;;
        --threads) threads="$2"; shift 2 ;;
        -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
        -*) echo "unknown option: $1" >&2; exit 2 ;;
        *) store="$1"; shift ;;
    esac
done
[[ -f "$store" ]] || { echo "store not found: $store" >&2; exit 1; }

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
[[ -n "$out" ]] || out="$tmp/counties.mbtiles"
rm -f "$out"

cmd=(ogr2ogr -f MBTiles "$out" "$store"
    -sql "select code, name, geom from divisions where level = 3 and geom is not null and valid_to is null"
    -nln counties
    -dsco MINZOOM="$minzoom" -dsco MAXZOOM="$maxzoom"
    # keep the writer's scratch database next to the output, not in the store's folder
    -dsco TEMPORARY_DB="$tmp/scratch.db")
printf '%s' "GDAL_NUM_THREADS=$threads"; printf ' %q' "${cmd[@]}"; echo
echo "($(ogr2ogr --version))"

start="$(date +%s.%N)"
TIMEFORMAT='ogr2ogr: real %3R s, user %3U s, sys %3S s (CPU time, less sensitive to a busy machine)'
time GDAL_NUM_THREADS="$threads" "${cmd[@]}"
end="$(date +%s.%N)"

python3 - "$out" "$start" "$end" <<'PY'
import sqlite3, sys
path, start, end = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
total = db.execute("select count(*) from tiles").fetchone()[0]
per = db.execute("select zoom_level, count(*), sum(length(tile_data)) from tiles group by 1 order by 1").fetchall()
secs = end - start
print(f"elapsed_s={secs:.2f} tiles={total} tiles/s={total / secs:.0f}")
for z, n, b in per:
    print(f"  z{z}: {n} tiles, {b / 1e6:.1f} MB (deflate-compressed)")
PY
