#!/usr/bin/env bash
# Commit → visible: copies a store (default: the test demo store; pass
# target/national.gpkg for the national one) and times how long each kind
# of edit takes from its commit to being in every index and the tile cache
# and announced on the feed (examples/edit_visible.rs).
# Usage: scripts/bench-edits.sh [STORE] [EDITS]
set -euo pipefail
cd "$(dirname "$0")/.."
src="${1:-target/test-demo.gpkg}"
edits="${2:-400}"
copy="target/bench-edits.gpkg"
[ -f "$src" ] || target/release/fangyu demo --store "$src"
sqlite3 "$src" 'PRAGMA wal_checkpoint(TRUNCATE);' >/dev/null
rm -f "$copy" "$copy-wal" "$copy-shm"
cp "$src" "$copy"
cargo build --release --example edit_visible
target/release/examples/edit_visible "$copy" "$edits"
