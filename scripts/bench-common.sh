# Sourced by the benchmark scripts: system packages, one release build, the
# store to measure ($FANGYU_BENCH_STORE, default the demo store), and the
# HTTP load helpers (scripts/load-common.sh).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
scripts/setup.sh
# The same build as the test command (all targets: the same features, so
# either reuses the other), which includes examples/bare_health.
cargo build --release --all-targets
store="${FANGYU_BENCH_STORE:-target/test-demo.gpkg}"
[ -f "$store" ] || target/release/fangyu demo --store "$store"

source scripts/load-common.sh
