#!/usr/bin/env bash
# Serve fangyu's county polygons with Martin from PostGIS, for the tile benchmark.
# Not run in CI. See benches/tiles/README.md.
#
#   martin.sh load  [--store PATH] [--srid 4490|4326|3857]
#       (Re)create database fangyu_bench and load the current county polygons
#       (divisions, level 3) into table public.counties, with a GiST index.
#   martin.sh start [--port 3000] [--cache-mb N] [--workers N] [--pool N] [--cpu LIST]
#       Start Martin in the background on 127.0.0.1:PORT publishing source
#       `counties`, wait until it answers, print its PID (also written to
#       $WORK/martin.pid). --cache-mb 0 disables the tile cache; without
#       --cache-mb Martin's default cache (512 MB, 256 MB of it for tiles) is used.
#       --workers sets worker_processes (Martin's default: one per CPU); --cpu pins
#       Martin with taskset (PostgreSQL itself is not pinned).
#   martin.sh stop
#       Stop the Martin started by `start` (PID from $WORK/martin.pid).
#   martin.sh run   [load options] [start options]
#       load + start, then stay in the foreground; Ctrl-C (or any exit) stops Martin.
#
# Tiles are then at http://127.0.0.1:PORT/counties/{z}/{x}/{y}
# (204 No Content for a tile with no feature).
#
# Environment:
#   MARTIN       Martin binary [default: /work/martin/bin/martin, else `martin` on PATH]
#   WORK         directory for the config, log and PID file [default: ${TMPDIR:-/tmp}/fangyu-martin-bench]
#   PGHOST PGPORT  server for the benchmark role [default: 127.0.0.1 5432]
#   BENCH_DB BENCH_USER BENCH_PASSWORD  [default: fangyu_bench / fangyu_bench / fangyu_bench]
#   ADMIN_PSQL   command running psql as a superuser
#                [default: `runuser -u postgres -- psql` when root, else `psql`]
set -euo pipefail

cd "$(dirname "$0")/../.."

mode="${1:-}"
[[ -n "$mode" ]] && shift || true

store="target/test-demo.gpkg"
srid=4490
port=3000
cache_mb=""
workers=""
pool=""
cpu=""

while [[ $# -gt 0 ]]; do
    case "$1" in
        --store) store="$2"; shift 2 ;;
        --srid) srid="$2"; shift 2 ;;
        --port) port="$2"; shift 2 ;;
        --cache-mb) cache_mb="$2"; shift 2 ;;
        --workers) workers="$2"; shift 2 ;;
        --pool) pool="$2"; shift 2 ;;
        --cpu) cpu="$2"; shift 2 ;;
        -h|--help) sed -n '2,33p' "$0"; exit 0 ;;
        *) echo "unknown option: $1" >&2; exit 2 ;;
    esac
done

WORK="${WORK:-${TMPDIR:-/tmp}/fangyu-martin-bench}"
PGHOST="${PGHOST:-127.0.0.1}"
PGPORT="${PGPORT:-5432}"
BENCH_DB="${BENCH_DB:-fangyu_bench}"
BENCH_USER="${BENCH_USER:-fangyu_bench}"
BENCH_PASSWORD="${BENCH_PASSWORD:-fangyu_bench}"
if [[ -z "${ADMIN_PSQL:-}" ]]; then
    if [[ "$(id -u)" == 0 ]] && id postgres >/dev/null 2>&1; then
        ADMIN_PSQL="runuser -u postgres -- psql"
    else
        ADMIN_PSQL="psql"
    fi
fi
if [[ -z "${MARTIN:-}" ]]; then
    if [[ -x /work/martin/bin/martin ]]; then
        MARTIN=/work/martin/bin/martin
    else
        MARTIN="$(command -v martin || true)"
    fi
fi
mkdir -p "$WORK"
pidfile="$WORK/martin.pid"
conn_url="postgresql://${BENCH_USER}:${BENCH_PASSWORD}@${PGHOST}:${PGPORT}/${BENCH_DB}"

admin() { $ADMIN_PSQL -X -q -v ON_ERROR_STOP=1 "$@"; }
bench_psql() {
    PGPASSWORD="$BENCH_PASSWORD" psql -X -q -v ON_ERROR_STOP=1 \
        -h "$PGHOST" -p "$PGPORT" -U "$BENCH_USER" -d "$BENCH_DB" "$@"
}

do_load() {
    [[ -f "$store" ]] || { echo "store not found: $store" >&2; exit 1; }
    case "$srid" in 4490|4326|3857) ;; *) echo "--srid must be 4490, 4326 or 3857" >&2; exit 2 ;; esac
    echo "== loading counties from $store into $BENCH_DB (SRID $srid)"
    admin -d postgres <<SQL
DO \$\$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${BENCH_USER}') THEN
    CREATE ROLE ${BENCH_USER} LOGIN PASSWORD '${BENCH_PASSWORD}';
  END IF;
END \$\$;
DROP DATABASE IF EXISTS ${BENCH_DB};
CREATE DATABASE ${BENCH_DB} OWNER ${BENCH_USER};
SQL
    admin -d "$BENCH_DB" -c "CREATE EXTENSION IF NOT EXISTS postgis"
    # EPSG:4490 (CGCS2000) ships in PostGIS's spatial_ref_sys; check anyway.
    if [[ "$(admin -d "$BENCH_DB" -tAc "SELECT count(*) FROM spatial_ref_sys WHERE srid = 4490")" != 1 ]]; then
        echo "EPSG:4490 missing from spatial_ref_sys" >&2
        exit 1
    fi
    local t_srs=()
    [[ "$srid" != 4490 ]] && t_srs=(-t_srs "EPSG:$srid")
    # The source store is only read. The GPKG driver recognises `geom` in the
    # SQL result as the geometry column (EPSG:4490). valid_to IS NULL keeps
    # only current divisions (all rows with a geometry are current today).
    PGPASSWORD="$BENCH_PASSWORD" ogr2ogr -f PostgreSQL \
        "PG:host=$PGHOST port=$PGPORT dbname=$BENCH_DB user=$BENCH_USER" \
        "$store" \
        -sql "select code, name, level, pinyin, geom from divisions where level = 3 and geom is not null and valid_to is null" \
        -nln counties -nlt MULTIPOLYGON "${t_srs[@]}" \
        -lco GEOMETRY_NAME=geom -lco FID=fid -lco SPATIAL_INDEX=NONE -lco PRECISION=NO \
        -overwrite
    bench_psql <<SQL
CREATE INDEX counties_geom_gist ON counties USING gist (geom);
ANALYZE counties;
SQL
    bench_psql -tAc "SELECT 'counties: ' || count(*) || ' rows, SRID ' || Find_SRID('public', 'counties', 'geom') FROM counties"
}

write_config() {
    local cfg="$WORK/martin.yaml"
    local table_srid
    table_srid="$(bench_psql -tAc "SELECT Find_SRID('public', 'counties', 'geom')")"
    {
        echo "listen_addresses: \"127.0.0.1:${port}\""
        [[ -n "$workers" ]] && echo "worker_processes: ${workers}"
        if [[ -n "$cache_mb" ]]; then
            echo "cache:"
            echo "  size_mb: ${cache_mb}"
        fi
        cat <<YAML
postgres:
  connection_string: "${conn_url}"
  auto_publish: false
  auto_bounds: skip
  reload_interval: 0s
YAML
        [[ -n "$pool" ]] && echo "  pool_size: ${pool}"
        cat <<YAML
  tables:
    counties:
      schema: public
      table: counties
      srid: ${table_srid}
      geometry_column: geom
      geometry_type: MULTIPOLYGON
      properties:
        code: varchar
        name: varchar
        level: int8
        pinyin: varchar
YAML
    } >"$cfg"
    echo "$cfg"
}

wait_ready() {
    local pid="$1"
    for _ in $(seq 1 300); do
        if ! kill -0 "$pid" 2>/dev/null; then
            echo "martin exited; log:" >&2
            tail -n 30 "$WORK/martin.log" >&2
            return 1
        fi
        if curl -fsS -o /dev/null "http://127.0.0.1:${port}/health" 2>/dev/null \
            && curl -fsS -o /dev/null "http://127.0.0.1:${port}/counties" 2>/dev/null; then
            return 0
        fi
        sleep 0.2
    done
    echo "martin did not answer within 60 s" >&2
    return 1
}

do_start() {
    [[ -n "$MARTIN" && -x "$MARTIN" ]] || { echo "martin binary not found (set MARTIN)" >&2; exit 1; }
    if [[ -f "$pidfile" ]] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
        echo "martin already running (PID $(cat "$pidfile")); run: $0 stop" >&2
        exit 1
    fi
    local cfg
    cfg="$(write_config)"
    echo "== starting $("$MARTIN" --version) on 127.0.0.1:${port} (config $cfg, cache ${cache_mb:-default} MB)"
    local pin=()
    [[ -n "$cpu" ]] && pin=(taskset -c "$cpu")
    RUST_LOG="${RUST_LOG:-warn}" "${pin[@]}" "$MARTIN" --config "$cfg" >"$WORK/martin.log" 2>&1 &
    local pid=$!
    echo "$pid" >"$pidfile"
    wait_ready "$pid"
    echo "martin PID $pid; tiles at http://127.0.0.1:${port}/counties/{z}/{x}/{y}; stop with: $0 stop (or kill $pid)"
}

do_stop() {
    if [[ -f "$pidfile" ]]; then
        local pid
        pid="$(cat "$pidfile")"
        if kill -0 "$pid" 2>/dev/null; then
            kill "$pid"
            for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
            echo "stopped martin PID $pid"
        fi
        rm -f "$pidfile"
    fi
}

case "$mode" in
    load) do_load ;;
    start) do_start ;;
    stop) do_stop ;;
    run)
        do_load
        trap do_stop EXIT INT TERM
        do_start
        echo "== serving; Ctrl-C to stop"
        wait "$(cat "$pidfile")" || true
        ;;
    *) sed -n '2,33p' "$0"; exit 2 ;;
esac
