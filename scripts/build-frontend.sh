#!/usr/bin/env bash
# Builds the admin SPA (frontend/) with Trunk into frontend/dist, which the server serves at `/`.
# Release build, wasm-opt -Oz; prints the gzipped size of the WASM module.
#
# The WASM build uses Debian's rustc-web (/usr/bin/rustc) with the standard library built from
# source: those settings are environment variables of this build only. They must not leak into
# the backend build (they would switch it to Debian's compiler and make cargo rebuild a dozen
# crates every time), so they are never exported from here nor put in a .cargo/config.toml.
# Needs what scripts/setup.sh installs (run.sh and test.sh run it first).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

CARGO_BIN="${CARGO_HOME:-$HOME/.cargo}/bin"
WASM_OPT_DIR="$PWD/.tools/node_modules/.bin"
[[ -x "$CARGO_BIN/trunk" ]] || { echo "[frontend] trunk missing: run scripts/setup.sh" >&2; exit 1; }
[[ -x "$WASM_OPT_DIR/wasm-opt" ]] || { echo "[frontend] wasm-opt missing: run scripts/setup.sh" >&2; exit 1; }

# The frontend has its own target folder: the WASM build never waits for (or invalidates) the
# server's artifacts.
FRONTEND_TARGET_DIR="${PORTCULLIS_FRONTEND_TARGET_DIR:-$PWD/target/frontend}"

wasm_env=(
  env
  "PATH=/usr/bin:$CARGO_BIN:$WASM_OPT_DIR:$PATH"
  RUSTC_BOOTSTRAP=1
  CARGO_BUILD_RUSTC=/usr/bin/rustc
  CARGO_UNSTABLE_BUILD_STD=std,panic_abort
  CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_LINKER=wasm-ld
  "CARGO_TARGET_DIR=$FRONTEND_TARGET_DIR"
  # Leptos type-erases every component's view (`AnyView`) instead of monomorphising nested view
  # types: the module is about a quarter smaller, which keeps the SPA within its size budget.
  "RUSTFLAGS=--cfg erase_components"
)

# Trunk builds offline: fetch the crates (and the standard library's own dependencies) first.
# A no-op when everything is already downloaded.
(cd frontend && "${wasm_env[@]}" cargo fetch --target wasm32-unknown-unknown -q)

start=$SECONDS
"${wasm_env[@]}" trunk build --release --offline "$@"
wasm="$(ls frontend/dist/*.wasm)"
echo "[frontend] built frontend/dist in $((SECONDS - start)) s; $(basename "$wasm"):" \
  "$(wc -c <"$wasm") bytes, $(gzip -9 -c "$wasm" | wc -c) bytes gzipped"
