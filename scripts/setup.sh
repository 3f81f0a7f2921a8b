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

# --- cargo-deny (dependency licences, bans, sources and advisories; deny.toml) -------------------
CARGO_DENY_VERSION=0.20.2
if cargo deny --version >/dev/null 2>&1; then
  log "found $(cargo deny --version | head -n1)"
else
  log "cargo-deny not found: cargo install cargo-deny@$CARGO_DENY_VERSION --locked (10+ minutes, once)"
  cargo install "cargo-deny@$CARGO_DENY_VERSION" --locked
  log "installed $(cargo deny --version | head -n1)"
fi

# --- PostgreSQL client tools (optional) ---------------------------------------------------------------
# The tests talk to PostgreSQL themselves; psql/dropdb are only used by scripts/test.sh to remove
# test databases left behind by crashed runs, and that step is skipped without them.
if command -v psql >/dev/null 2>&1; then
  log "found $(psql --version) (optional)"
else
  log "psql not found (optional: only used to clean up leftover test databases)"
fi

# --- The admin SPA's toolchain and the browser of the end-to-end tests -------------------------
# Verified recipe: ../shared TOOLCHAIN notes, summarised in the README. rustup cannot add the
# wasm32 target here, so the frontend is built by Debian's rustc-web with the standard library
# built from source (rust-web-src, lld's wasm-ld); wasm-bindgen, Trunk and wasm-opt are pinned
# to the versions Trunk.toml names. Set PORTCULLIS_SKIP_FRONTEND_TOOLS=1 to skip this section.
WASM_BINDGEN_VERSION=0.2.130
TRUNK_VERSION=0.22.1
BINARYEN_VERSION=132.0.0
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS_DIR="$REPO_ROOT/.tools"

# Runs a command as root: directly when we are root, else through sudo.
as_root() {
  if [[ "$(id -u)" == 0 ]]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo "$@"
  else
    die "need root to run: $* (install it by hand, or run as root)"
  fi
}

deb_installed() {
  dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"
}

if [[ "${PORTCULLIS_SKIP_FRONTEND_TOOLS:-}" != 1 ]]; then
  command -v dpkg-query >/dev/null 2>&1 || die "the frontend toolchain needs Debian packages (dpkg)"
  wanted_debs=(rustc-web cargo-web rust-web-src lld chromium)
  command -v node >/dev/null 2>&1 || wanted_debs+=(nodejs)
  command -v npm >/dev/null 2>&1 || wanted_debs+=(npm)
  missing_debs=()
  for pkg in "${wanted_debs[@]}"; do
    deb_installed "$pkg" || missing_debs+=("$pkg")
  done
  if ((${#missing_debs[@]})); then
    log "installing Debian packages: ${missing_debs[*]} (apt-get; about a minute)"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing_debs[@]}"
  else
    log "found Debian packages: ${wanted_debs[*]}"
  fi
  [[ -x /usr/bin/rustc && -x /usr/bin/wasm-ld ]] || die "rustc-web or lld did not install /usr/bin/rustc, /usr/bin/wasm-ld"
  node_major="$(node --version | sed -E 's/^v([0-9]+).*/\1/')"
  (( node_major >= 18 )) || die "Node.js $(node --version) is too old: 18 or newer is needed (Playwright)"

  if [[ "$(wasm-bindgen --version 2>/dev/null)" == "wasm-bindgen $WASM_BINDGEN_VERSION"* ]]; then
    log "found wasm-bindgen $WASM_BINDGEN_VERSION"
  else
    # Without --locked: its lock file pins a webpki-roots version the registry no longer serves.
    log "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION (cargo install; about 4 minutes)"
    cargo install "wasm-bindgen-cli@$WASM_BINDGEN_VERSION"
  fi

  if [[ "$(trunk --version 2>/dev/null)" == "trunk $TRUNK_VERSION" ]]; then
    log "found trunk $TRUNK_VERSION"
  else
    log "installing trunk $TRUNK_VERSION (cargo install; about 16 minutes on 2 cores, once)"
    cargo install "trunk@$TRUNK_VERSION" --locked --ignore-rust-version
  fi

  # wasm-opt 132 (Debian's binaryen 108 produces modules that fail to load): the npm build.
  if "$TOOLS_DIR/node_modules/.bin/wasm-opt" --version 2>/dev/null | grep -q "version ${BINARYEN_VERSION%%.*}"; then
    log "found wasm-opt ${BINARYEN_VERSION%%.*} in .tools/"
  else
    log "installing binaryen $BINARYEN_VERSION (wasm-opt) from npm into .tools/"
    mkdir -p "$TOOLS_DIR"
    npm install --prefix "$TOOLS_DIR" --no-save --no-audit --no-fund "binaryen@$BINARYEN_VERSION"
  fi

  # The end-to-end tests' Node packages, from the committed lock file; the browser is Debian's.
  if [[ -f "$REPO_ROOT/e2e/package-lock.json" ]]; then
    if [[ -d "$REPO_ROOT/e2e/node_modules/@playwright/test" ]] \
      && cmp -s "$REPO_ROOT/e2e/package-lock.json" "$REPO_ROOT/e2e/node_modules/.package-lock.json.installed"; then
      log "found the e2e Node packages"
    else
      log "installing the e2e Node packages (npm ci in e2e/)"
      (cd "$REPO_ROOT/e2e" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund)
      cp "$REPO_ROOT/e2e/package-lock.json" "$REPO_ROOT/e2e/node_modules/.package-lock.json.installed"
    fi
  fi
fi

log "done: everything needed is installed"
