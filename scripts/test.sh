#!/usr/bin/env bash
# One command: install what is missing, check formatting and lints, build
# once (release), build the demo store once, run every test.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cargo fmt --all -- --check
cargo clippy --release --all-targets -- -D warnings
cargo build --release --all-targets
store="target/test-demo.gpkg"
if [ ! -f "$store" ] || [ -n "$(find data/sources src/demo -newer "$store" -print -quit)" ]; then
  rm -f "$store"
  target/release/fangyu demo --store "$store"
fi
FANGYU_TEST_STORE="$PWD/$store" cargo test --release --all-targets
FANGYU_TEST_STORE="$PWD/$store" cargo test --release --doc
scripts/schemathesis.sh "$store" 60 10
scripts/fuzz.sh 20
