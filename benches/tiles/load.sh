#!/usr/bin/env bash
# Load a tile server with wrk over a fixed tile list. Not run in CI.
#
#   load.sh URL_PREFIX LIST [--gzip] [--duration 10s] [--connections 64] [--threads 2]
#           [--suffix S] [--statuses] [--warmup] [--cpu LIST] [--timeout 10s]
#           [--cpu-of PID,...,user:NAME]
#
# URL_PREFIX  e.g. http://127.0.0.1:3000/counties/  (`z/x/y` and SUFFIX are appended)
# LIST        file with one `z/x/y` a line, e.g. from benches/tiles/tile-list.py
# --gzip      send Accept-Encoding: gzip
# --suffix    appended to every tile path (e.g. .mvt or .pbf)
# --statuses  also count responses per status code (costs a Lua call per response)
# --warmup    fetch every tile of LIST once first (curl, 8 in parallel), e.g. to fill a cache
# --cpu LIST  pin wrk to these CPUs with taskset (e.g. 0)
# --cpu-of    also report the CPU time (user + system) that these processes spent
#             during the run, per tile: PIDs, and/or user:NAME for every process of
#             that user (e.g. user:postgres for all PostgreSQL backends). Less
#             sensitive than tiles/s to other work on a busy machine.
# --timeout   wrk's per-request timeout (wrk's own default, 2 s, is short for
#             uncached low-zoom tiles; timeouts show up as socket errors)
#
# Prints wrk's report, then one line:
#   tiles/s=N requests=N non2xx=N socket_errors=N
# 204 No Content (an empty tile) is a success; wrk counts only status < 200 or
# >= 400 as "Non-2xx or 3xx".
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"

if [[ $# -lt 2 ]]; then
    sed -n '2,25p' "$0"
    exit 2
fi
prefix="$1"
list="$2"
shift 2

gzip=none
duration=10s
connections=64
threads=2
suffix=""
statuses=no
warmup=no
cpu=""
timeout=10s
cpu_of=""
while [[ $# -gt 0 ]]; do
    case "$1" in
        --gzip) gzip=gzip; shift ;;
        --duration) duration="$2"; shift 2 ;;
        --connections) connections="$2"; shift 2 ;;
        --threads) threads="$2"; shift 2 ;;
        --suffix) suffix="$2"; shift 2 ;;
        --statuses) statuses=statuses; shift ;;
        --warmup) warmup=yes; shift ;;
        --cpu) cpu="$2"; shift 2 ;;
        --timeout) timeout="$2"; shift 2 ;;
        --cpu-of) cpu_of="$2"; shift 2 ;;
        *) echo "unknown option: $1" >&2; exit 2 ;;
    esac
done

command -v wrk >/dev/null || { echo "wrk not found (apt-get install wrk)" >&2; exit 1; }
[[ -s "$list" ]] || { echo "empty or missing tile list: $list" >&2; exit 1; }
list="$(cd "$(dirname "$list")" && pwd)/$(basename "$list")"

# split http://host:port/path/ into the URL wrk connects to and the path prefix
if [[ ! "$prefix" =~ ^(https?://[^/]+)(/.*)?$ ]]; then
    echo "URL_PREFIX must look like http://HOST:PORT/path/" >&2
    exit 2
fi
base="${BASH_REMATCH[1]}"
path="${BASH_REMATCH[2]:-/}"
[[ "$path" == */ ]] || path="$path/"

# one request first, so a wrong prefix fails loudly instead of producing a rate of 404s
first="$(grep -m1 -v '^[[:space:]]*$' "$list")"
enc_hdr=()
[[ "$gzip" == gzip ]] && enc_hdr=(-H "Accept-Encoding: gzip")
probe="$(curl -s -o /dev/null -w '%{http_code} %{size_download}' "${enc_hdr[@]}" "$base$path$first$suffix" || true)"
echo "probe: GET $path$first$suffix -> status ${probe% *}, ${probe#* } bytes"
case "${probe% *}" in
    2??) ;;
    *) echo "probe failed; not loading" >&2; exit 1 ;;
esac

pin=()
[[ -n "$cpu" ]] && pin=(taskset -c "$cpu")
run_wrk() {
    "${pin[@]}" wrk -t "$threads" -c "$connections" -d "$1" --timeout "$timeout" --latency \
        -s "$here/cycle.lua" "$base$path" -- "$list" "$path" "$suffix" "$gzip" "$statuses"
}

if [[ "$warmup" == yes ]]; then
    cfg="$(mktemp)"
    grep -v '^[[:space:]]*$' "$list" | while read -r t; do
        printf 'url = "%s"\noutput = "/dev/null"\n' "$base$path$t$suffix"
    done >"$cfg"
    ws="$(date +%s.%N)"
    curl -s --no-progress-meter --parallel --parallel-max 8 "${enc_hdr[@]}" -K "$cfg" 2>/dev/null || true
    echo "warm-up: every tile fetched once in $(awk -v a="$ws" -v b="$(date +%s.%N)" 'BEGIN {printf "%.1f", b - a}') s"
    rm -f "$cfg"
fi

echo "wrk -t$threads -c$connections -d$duration, $(grep -c . "$list") tiles from $(basename "$list"), prefix $prefix, suffix '${suffix}', encoding $gzip"
# CPU ticks (utime + stime) of the selected processes, one "pid ticks" a line
cpu_snapshot() {
    python3 - "$cpu_of" <<'PY'
import os, pwd, sys
pids, uids = set(), set()
for part in sys.argv[1].split(","):
    part = part.strip()
    if part.startswith("user:"):
        uids.add(pwd.getpwnam(part[5:]).pw_uid)
    elif part:
        pids.add(part)
for d in os.listdir("/proc"):
    if not d.isdigit():
        continue
    try:
        if d not in pids and os.stat(f"/proc/{d}").st_uid not in uids:
            continue
        f = open(f"/proc/{d}/stat").read().rsplit(")", 1)[1].split()
        print(d, int(f[11]) + int(f[12]))
    except (OSError, IndexError, ValueError):
        pass
PY
}
[[ -n "$cpu_of" ]] && cpu_before="$(cpu_snapshot)"
out="$(run_wrk "$duration")"
[[ -n "$cpu_of" ]] && cpu_after="$(cpu_snapshot)"
echo "$out"

rps="$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")"
reqs="$(awk '/requests in/ {print $1}' <<<"$out")"
non2xx="$(awk -F': *' '/Non-2xx or 3xx responses/ {print $2}' <<<"$out")"
sockerr="$(awk '/Socket errors/ {sub(/^ *Socket errors: */, ""); print}' <<<"$out")"
cpu_line=""
if [[ -n "$cpu_of" ]]; then
    # processes that started during the run count from zero; ones that ended are lost
    cpu_line="$(awk -v hz="$(getconf CLK_TCK)" -v n="${reqs:-0}" '
        FNR == NR { before[$1] = $2; next }
        { used += $2 - before[$1] }
        END { s = used / hz; printf " server_cpu_s=%.2f cpu_us_per_tile=%.0f", s, (n > 0 ? s * 1e6 / n : 0) }
    ' <(echo "$cpu_before") <(echo "$cpu_after"))"
fi
echo "tiles/s=${rps:-?} requests=${reqs:-?} non2xx=${non2xx:-0} socket_errors=${sockerr:-none}${cpu_line}"
