#!/usr/bin/env bash
# Installs what is missing, then builds and runs the Portcullis server with the embedded SQLite
# database (data/portcullis.db under the repository root) and the demo data.
# Extra arguments go to `portcullis serve`, e.g. `./scripts/run.sh --bind 0.0.0.0:8080`.
# On first start the server prints the generated super admin password once, unless
# PORTCULLIS_ADMIN_PASSWORD is set.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/setup.sh

export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
echo "[run] cargo run --release -p backend --bin portcullis -- serve --demo $*"
exec cargo run --release -p backend --bin portcullis -- serve --demo "$@"
