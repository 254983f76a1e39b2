#!/usr/bin/env bash
# Fuzzes the service's input parsers: scripts/fuzz.sh [SECONDS] [TARGET...]
#
# Installs cargo-fuzz if missing, builds every target of fuzz/ once (stable
# toolchain, libFuzzer with coverage instrumentation, no sanitizer: the
# crate forbids unsafe code), then runs each target for SECONDS (default
# 20) on a scratch corpus seeded read-only from fuzz/corpus/TARGET, so the
# committed corpus is never modified. Any crash, failed assertion, timeout
# or out-of-memory fails the script; the input is kept in
# fuzz/artifacts/TARGET/. Prints executions and executions per second per
# target.
#
# FUZZ_SANITIZER=address builds with AddressSanitizer instead (nightly
# flags, enabled on stable with RUSTC_BOOTSTRAP=1; a much slower build).
# FUZZ_BUILD=0 runs the targets as last built.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${1:-20}"
shift || true
targets=("$@")
if [ "${#targets[@]}" -eq 0 ]; then
  targets=(address geocode geojson wkt_import tiles query)
fi
sanitizer="${FUZZ_SANITIZER:-none}"
triple="$(rustc -vV | sed -n 's/^host: //p')"

if ! cargo fuzz --version >/dev/null 2>&1; then
  cargo install cargo-fuzz --locked
fi
if [ "$sanitizer" != none ]; then
  export RUSTC_BOOTSTRAP=1
fi

started=$(date +%s)
if [ "${FUZZ_BUILD:-1}" != 0 ]; then
  cargo fuzz build --fuzz-dir fuzz --sanitizer "$sanitizer" --codegen-units 16
  echo "fuzz: targets built in $(($(date +%s) - started)) s"
fi
bin="fuzz/target/$triple/release"

# The geocode target reads the demo store: the test store when it is fresh
# (scripts/test.sh builds it), else its own, built on first use.
store="$PWD/target/test-demo.gpkg"
if [ ! -f "$store" ] || [ -n "$(find data/sources src/demo -newer "$store" -print -quit)" ]; then
  store="$PWD/fuzz/target/demo.gpkg"
  if [ -f "$store" ] && [ -n "$(find data/sources src/demo -newer "$store" -print -quit)" ]; then
    rm -f "$store" "$store-wal" "$store-shm"
  fi
fi
export FANGYU_FUZZ_STORE="${FANGYU_FUZZ_STORE:-$store}"

scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT

failed=()
summary=()
for t in "${targets[@]}"; do
  seeds="fuzz/corpus/$t"
  mkdir -p "$scratch/$t" "fuzz/artifacts/$t"
  if [ "$t" = geocode ]; then
    # Load (or build) the store before the clock starts.
    "$bin/$t" -runs=0 "$seeds" >"$scratch/$t.warmup" 2>&1 || {
      cat "$scratch/$t.warmup"
      failed+=("$t")
      continue
    }
  fi
  log="$scratch/$t.log"
  echo "fuzz: $t for ${seconds} s"
  # A new input that takes over 30 s, or over 3 GB, is a failure too.
  # TMPDIR: what a target leaves in the temporary folder goes with $scratch.
  if TMPDIR="$scratch" "$bin/$t" "$scratch/$t" "$seeds" \
    -max_total_time="$seconds" -max_len=4096 -timeout=30 -rss_limit_mb=3072 \
    -print_final_stats=1 -artifact_prefix="fuzz/artifacts/$t/" >"$log" 2>&1; then
    status=ok
  else
    status=FAILED
    failed+=("$t")
    grep -v '^#' "$log" | tail -40
  fi
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
  cov=$(sed -n 's/.* cov: \([0-9]*\) .*/\1/p' "$log" | tail -n 1)
  corpus=$(find "$scratch/$t" -type f | wc -l)
  summary+=("$(printf '%-11s %-6s %10s execs %8s/s  cov %6s  new inputs %5s' \
    "$t" "$status" "${execs:-?}" "${rate:-?}" "${cov:-?}" "$corpus")")
done

echo "fuzz: ${seconds} s per target"
printf '%s\n' "${summary[@]}"
if [ "${#failed[@]}" -gt 0 ]; then
  echo "fuzz: FAILED: ${failed[*]} (inputs in fuzz/artifacts/)" >&2
  exit 1
fi
