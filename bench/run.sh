#!/usr/bin/env bash
# The load suite of the performance issue: one command (README "Performance").
#   bench/run.sh            full run (release build, SQLite + PostgreSQL + Redis, 60 s soak)
#   bench/run.sh --smoke    a quick check that the suite still works (debug build, SQLite)
#   bench/run.sh --help     every option
# Needs: cargo, python3 (3.11+), psql for PostgreSQL; wrk is installed with apt-get if missing.
set -euo pipefail
cd "$(dirname "$0")/.."
exec python3 bench/bench.py "$@"
