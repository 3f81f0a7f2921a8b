#!/usr/bin/env bash
# Installs what is missing, then runs the whole test suite: formatting, clippy, every test of the
# workspace (integration tests run on SQLite and on PostgreSQL), the release build of the admin
# SPA (with its size budget) and the end-to-end tests (Playwright in Debian's Chromium against the
# real server). Every step runs even when an earlier one fails; the exit status is non-zero when
# any step failed.
#
# PostgreSQL: PORTCULLIS_TEST_PG_URL (default postgres://postgres@127.0.0.1:5432). The tests create
# and drop their own databases (named pc_test_*).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/setup.sh

export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
export PORTCULLIS_TEST_PG_URL="${PORTCULLIS_TEST_PG_URL:-postgres://postgres@127.0.0.1:5432}"

failed=()

step() {
  local name="$1" started=$SECONDS
  shift
  echo
  echo "[test] ==> $name: $*"
  if "$@"; then
    echo "[test] ok: $name ($((SECONDS - started)) s)"
  else
    echo "[test] FAILED: $name ($((SECONDS - started)) s)" >&2
    failed+=("$name")
  fi
}

# Drops test databases left behind by earlier runs that crashed before cleaning up. Databases that
# still have connections (a run in progress elsewhere) are left alone. Skipped without psql.
drop_stale_test_databases() {
  if ! command -v psql >/dev/null 2>&1 || ! command -v dropdb >/dev/null 2>&1; then
    return 0
  fi
  local names name
  names="$(PGCONNECT_TIMEOUT=5 psql -w -At -c \
    "select datname from pg_database where datname like 'pc\_test\_%'" \
    "$PORTCULLIS_TEST_PG_URL" 2>/dev/null)" || return 0
  for name in $names; do
    if PGCONNECT_TIMEOUT=5 dropdb -w --if-exists --maintenance-db="$PORTCULLIS_TEST_PG_URL" "$name" 2>/dev/null; then
      echo "[test] dropped leftover test database $name"
    fi
  done
}

# The suite talks to a real PostgreSQL and a real Redis. Says clearly which one is missing rather
# than letting dozens of tests fail with connection errors.
require_service() {
  local name="$1" url="$2" default_port="$3" hostport host port
  hostport="${url#*://}"
  hostport="${hostport#*@}"
  hostport="${hostport%%/*}"
  host="${hostport%%:*}"
  port="${hostport##*:}"
  [[ "$port" == "$hostport" ]] && port="$default_port"
  if (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null; then
    echo "[test] $name answers on $host:$port"
  else
    echo "[test] FAILED: $name is not reachable on $host:$port ($4)" >&2
    failed+=("$name")
  fi
}

export PORTCULLIS_TEST_REDIS_URL="${PORTCULLIS_TEST_REDIS_URL:-redis://127.0.0.1:6379}"
require_service "PostgreSQL" "$PORTCULLIS_TEST_PG_URL" 5432 "set PORTCULLIS_TEST_PG_URL"
require_service "Redis" "$PORTCULLIS_TEST_REDIS_URL" 6379 "set PORTCULLIS_TEST_REDIS_URL"

drop_stale_test_databases

step "rustfmt" cargo fmt --all -- --check
step "clippy" cargo clippy --all-targets -- -D warnings
# The load suite's server code (baseline route, seeder, counters) only exists with the `bench`
# feature; lint it too, so it cannot rot between benchmark runs.
step "clippy (bench feature)" cargo clippy -p backend --all-targets --features bench -- -D warnings
# Dependencies: licences, banned sources and wildcard versions are checked offline (deny.toml).
# Security advisories need the RustSec database, a GitHub repository: checked whenever it can be
# fetched; when it cannot (no route to GitHub), the run says so loudly instead of passing silently.
dependency_advisories() {
  if timeout 120 cargo deny --color never fetch db >/dev/null 2>&1; then
    cargo deny --color never check --disable-fetch advisories
  else
    echo "[test] WARNING: the RustSec advisory database (github.com/RustSec/advisory-db) cannot be" \
      "fetched from this machine: security advisories were NOT checked" >&2
  fi
}
step "dependency policy" cargo deny --color never check licenses bans sources
step "dependency advisories" dependency_advisories
step "tests" cargo nextest run --workspace --exclude frontend --no-fail-fast
# The frontend is not a default member (it builds for wasm32 with Trunk), so the clippy step above
# skips it: lint it on the host, in a target folder of its own.
step "frontend clippy" env CARGO_TARGET_DIR="$PWD/target/frontend-host" \
  cargo clippy -p frontend -- -D warnings
step "frontend build" bash scripts/build-frontend.sh

# The release WASM, after wasm-opt, must stay within 600 KiB gzipped (issue 7).
WASM_BUDGET_BYTES=$((600 * 1024))
wasm_size_budget() {
  local wasm size
  wasm="$(ls frontend/dist/*.wasm 2>/dev/null | head -n1)"
  [[ -n "$wasm" ]] || { echo "[test] no WASM in frontend/dist" >&2; return 1; }
  size="$(gzip -9 -c "$wasm" | wc -c)"
  echo "[test] $(basename "$wasm"): $size bytes gzipped (budget $WASM_BUDGET_BYTES)"
  ((size <= WASM_BUDGET_BYTES))
}
step "WASM size budget" wasm_size_budget

# The e2e suite starts the server binary itself (a debug build: the tests above built its
# dependencies already) on a free port with a temporary SQLite database and the demo data.
step "server binary" cargo build -p backend --bin portcullis
run_e2e() {
  local target_dir="${CARGO_TARGET_DIR:-target}"
  [[ "$target_dir" == /* ]] || target_dir="$PWD/$target_dir"
  (cd e2e && CI="${CI:-1}" PORTCULLIS_BIN="$target_dir/debug/portcullis" npx playwright test)
}
step "end-to-end tests" run_e2e

echo
if ((${#failed[@]})); then
  echo "[test] FAILED steps: ${failed[*]}" >&2
  exit 1
fi
echo "[test] all steps passed"
