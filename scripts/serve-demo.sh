#!/usr/bin/env bash
# One command: install what is missing, build, prepare the demo store (on
# first start) and serve it. Extra arguments go to `fangyu serve`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cargo build --release --bin fangyu
exec target/release/fangyu serve "$@"
