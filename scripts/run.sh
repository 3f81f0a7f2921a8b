#!/usr/bin/env bash
# Installs what is missing, builds the admin SPA (scripts/build-frontend.sh), then builds and runs
# the Portcullis server, which serves the SPA at http://127.0.0.1:8080/, with the embedded SQLite
# database (data/portcullis.db under the repository root) and the demo data.
# Extra arguments go to `portcullis serve`, e.g. `./scripts/run.sh --bind 0.0.0.0:8080`.
# On first start the server prints the generated super admin password once, unless
# PORTCULLIS_ADMIN_PASSWORD is set.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/setup.sh
bash scripts/build-frontend.sh

export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
echo "[run] cargo run --release -p backend --bin portcullis -- serve --demo $*"
exec cargo run --release -p backend --bin portcullis -- serve --demo "$@"
