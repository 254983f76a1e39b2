#!/usr/bin/env bash
# Fangyu against cpca (PyPI), at county level, on the same strings: the
# evaluation's cases (generated and written as records write them) on a
# store, a slice of LIMIT rows (0: all). cpca is installed into a virtual
# environment under target/ on first use.
# Usage: scripts/compare-cpca.sh [STORE] [LIMIT]
set -euo pipefail
cd "$(dirname "$0")/.."
store="${1:-target/national.gpkg}"
limit="${2:-30000}"
venv=target/cpca-venv
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q cpca
fi
cargo build --release --bin fangyu
target/release/fangyu eval --store "$store" --cases target/eval-cases.tsv >/dev/null
"$venv/bin/python" scripts/compare-cpca.py target/eval-cases.tsv "$limit"
