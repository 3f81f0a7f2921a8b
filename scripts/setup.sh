#!/usr/bin/env bash
# The one install script of Portcullis: checks what building, running and testing need, and
# installs only what is missing. Idempotent; `scripts/run.sh`, `scripts/test.sh` and `.ci/run`
# all call it first. Safe without a terminal (CI=true, no stdin).
set -euo pipefail

log() { printf '[setup] %s\n' "$*"; }
die() { printf '[setup] error: %s\n' "$*" >&2; exit 1; }

# The minimum Rust version of the workspace (`rust-version` in Cargo.toml).
RUST_MIN_MINOR=94

CARGO_BIN="${CARGO_HOME:-$HOME/.cargo}/bin"
case ":$PATH:" in
  *":$CARGO_BIN:"*) ;;
  *) export PATH="$CARGO_BIN:$PATH" ;;
esac

# --- Rust toolchain (rustup's stable: cargo, rustc, rustfmt, clippy) -----------------------------
if command -v cargo >/dev/null 2>&1; then
  log "found $(cargo --version)"
else
  log "cargo not found: installing the Rust toolchain with rustup (stable, minimal profile)"
  command -v curl >/dev/null 2>&1 || die "curl is needed to install rustup (see https://rustup.rs)"
  curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs \
    | sh -s -- -y --no-modify-path --profile minimal --component rustfmt,clippy
  command -v cargo >/dev/null 2>&1 || die "cargo is still not on PATH after installing rustup"
  log "installed $(cargo --version)"
fi

rustc_minor="$(rustc --version | sed -E 's/^rustc 1\.([0-9]+).*/\1/')"
if [[ "$rustc_minor" =~ ^[0-9]+$ ]] && (( rustc_minor < RUST_MIN_MINOR )); then
  command -v rustup >/dev/null 2>&1 \
    || die "$(rustc --version) is too old: Rust 1.$RUST_MIN_MINOR or newer is needed"
  log "$(rustc --version) is older than 1.$RUST_MIN_MINOR: updating the stable toolchain"
  rustup update stable
fi

for component in fmt clippy; do
  if cargo "$component" --version >/dev/null 2>&1; then
    log "found cargo $component ($(cargo "$component" --version | head -n1))"
  else
    command -v rustup >/dev/null 2>&1 || die "cargo $component is missing and rustup is not available"
    case "$component" in
      fmt) rust_component=rustfmt ;;
      clippy) rust_component=clippy ;;
    esac
    log "cargo $component not found: rustup component add $rust_component"
    rustup component add "$rust_component"
  fi
done

# --- cargo-nextest (the test runner) ----------------------------------------------------------------
if cargo nextest --version >/dev/null 2>&1; then
  log "found $(cargo nextest --version | head -n1)"
else
  log "cargo-nextest not found: cargo install cargo-nextest --locked (a few minutes)"
  cargo install cargo-nextest --locked
  log "installed $(cargo nextest --version | head -n1)"
fi

# --- PostgreSQL client tools (optional) ---------------------------------------------------------------
# The tests talk to PostgreSQL themselves; psql/dropdb are only used by scripts/test.sh to remove
# test databases left behind by crashed runs, and that step is skipped without them.
if command -v psql >/dev/null 2>&1; then
  log "found $(psql --version) (optional)"
else
  log "psql not found (optional: only used to clean up leftover test databases)"
fi

log "done: everything needed is installed"
