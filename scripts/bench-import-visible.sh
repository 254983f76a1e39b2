#!/usr/bin/env bash
# A CLI import into a running server's store: how long after the import
# commits the server answers it. Copies a store (default: the test demo
# store), serves the copy, writes N new roads (GeoJSON, in 海曙区) and runs
# `fangyu import` on the copy while a poller watches the store's change-log
# head (what the import committed) and the server's `/ready` head (what
# its indices answer), every 2 ms; then checks the last road is found by
# `/places`. Prints commit → visible in milliseconds.
# Usage: scripts/bench-import-visible.sh [STORE] [N] [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/load-common.sh
src="${1:-target/test-demo.gpkg}"
n="${2:-10000}"
rounds="${3:-3}"
copy="target/bench-import.gpkg"
work="target/bench-import"
mkdir -p "$work"
cargo build --release --bin fangyu
# Once the tiles are prepared (their generalisation keeps the cores busy).
serve_copy "$src" "$copy" "$work/serve.log"
for r in $(seq 1 "$rounds"); do
  python3 - "$work/roads.geojson" "$n" "$r" <<'EOF'
import json, sys
path, n, r = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
features = []
for i in range(n):
    x, y = 121.40 + (i % 100) * 0.0008, 29.80 + (i // 100) * 0.0008
    features.append({"type": "Feature",
                     "properties": {"name": f"衡速{r}批{i}路", "class": "road", "division": "330203"},
                     "geometry": {"type": "LineString", "coordinates": [[x, y], [x + 0.0005, y + 0.0002]]}})
json.dump({"type": "FeatureCollection", "features": features}, open(path, "w"), ensure_ascii=False)
EOF
  python3 - "$copy" "$url" "$work/roads.geojson" "$n" "$r" <<'EOF'
import json, sqlite3, subprocess, sys, time, urllib.parse, urllib.request
store, url, source, n, r = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]
db = sqlite3.connect(f"file:{store}?mode=ro", uri=True)
head = lambda: db.execute("SELECT COALESCE(MAX(seq), 0) FROM change_log").fetchone()[0]
served = lambda: json.load(urllib.request.urlopen(f"{url}/ready"))["head"]
before = head()
imp = subprocess.Popen(["target/release/fangyu", "import", source, "--kind", "places", "--store", store],
                       stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
# The import may commit in several transactions: commit time is when the
# store's head last moved; visible is when the server's head reached it.
seen, committed, target, visible = before, None, None, None
while visible is None:
    now, h = time.monotonic(), head()
    if h > seen:
        seen, committed = h, now
    if target is None and imp.poll() is not None:
        target = head()
        if target > seen:
            seen, committed = target, now
    if target is not None and served() >= target:
        visible = time.monotonic()
    time.sleep(0.002)
report = json.loads(imp.stdout.read())
name = urllib.parse.quote(f"衡速{r}批{n - 1}路")
found = json.load(urllib.request.urlopen(f"{url}/places?q={name}"))["features"]
print(f"round {r}: {report.get('inserted', report)} places imported; commit -> visible "
      f"{(visible - committed) * 1000:.0f} ms; last road found: {bool(found)}")
EOF
done
