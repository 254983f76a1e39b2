#!/usr/bin/env bash
# The API against its own description: schemathesis (PyPI) generates
# requests from /openapi.json — examples, boundary and negative values,
# then random ones — and fails on any 5xx, any status, content type or body
# the description does not declare. It runs once with a token of every role
# (the admin over every operation, each other role over the operations that
# take a token), against a server over a copy of STORE on a free port.
# Usage: scripts/schemathesis.sh [STORE] [ADMIN_SECS] [ROLE_SECS]
set -euo pipefail
cd "$(dirname "$0")/.."
src="${1:-target/test-demo.gpkg}"
admin_secs="${2:-90}"
role_secs="${3:-15}"
version="4.32.5"
work="target/schemathesis"
bin="target/release/fangyu"
mkdir -p "$work"
if ! python3 -c "import schemathesis, sys; sys.exit(schemathesis.__version__ != '$version')" 2>/dev/null; then
  python3 -m pip install --quiet --disable-pip-version-check "schemathesis==$version"
fi
[ -x "$bin" ] || cargo build --release --bin fangyu

store="$work/store.gpkg"
rm -f "$store" "$store-wal" "$store-shm"
sqlite3 "$src" "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null 2>&1 || true
cp "$src" "$store"
declare -A tokens
for role in admin applicant reviewer expert committee approver subscriber boundary department; do
  tokens[$role]=$("$bin" token create --role "$role" --name "契约测试$role" --store "$store" 2>/dev/null)
done
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
url="http://127.0.0.1:$port"
"$bin" serve --listen "127.0.0.1:$port" --store "$store" >"$work/serve.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; wait $server 2>/dev/null || true' EXIT
for _ in $(seq 1 600); do
  curl -sf "$url/health" >/dev/null && break
  kill -0 $server 2>/dev/null || { cat "$work/serve.log"; exit 1; }
  sleep 0.2
done

checks="not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,response_headers_conformance"
failed=0
# run ROLE SECS [FILTER…]
run() {
  local role="$1" secs="$2"
  shift 2
  echo "== schemathesis as $role ($secs s)"
  if ! (cd "$work" && st run "$url/openapi.json" -H "Authorization: Bearer ${tokens[$role]}" \
    --checks "$checks" --phases examples,coverage,fuzzing --max-time "$secs" -w 1 \
    --seed 20261207 --suppress-health-check all --warnings off --max-failures 50 "$@" >"$role.log" 2>&1); then
    failed=1
    sed -n '/FAILURES/,$p' "$work/$role.log" | head -150
  fi
  grep -E "Test cases:|generated" "$work/$role.log" | tail -2 || true
}
# Operations that end a token or an account (revoke, rotate, disable,
# remove a role) would leave the runs after them answering 401 only: they
# run last, once every role has had its turn.
ending=(--exclude-method DELETE --exclude-path-regex '/rotate$')
for role in applicant reviewer expert committee approver subscriber boundary department; do
  # The operations that take a token: what a role may and may not do.
  run "$role" "$role_secs" --include-path-regex '^/(proposals|accounts|tokens|subscriptions|changes|audit|markers|marker-changes)' "${ending[@]}"
done
run admin "$admin_secs" "${ending[@]}"
# Every token is still alive after those runs (else they tested only 401s).
for role in "${!tokens[@]}"; do
  curl -sf -H "Authorization: Bearer ${tokens[$role]}" "$url/accounts/me" >/dev/null \
    || { echo "the $role token died during the runs"; failed=1; }
done
run admin "$role_secs" --include-method DELETE
run admin "$role_secs" --include-path-regex '/rotate$' 
if grep -q "panicked" "$work/serve.log"; then
  echo "the server panicked:" && grep -m5 "panicked" "$work/serve.log"
  failed=1
fi
[ "$failed" -eq 0 ] && echo "schemathesis: every role, no 5xx, every answer as described"
exit "$failed"
