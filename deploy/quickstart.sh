#!/usr/bin/env bash
# Quick start on a fresh Debian 12 machine: install what is missing, build, and
# run the whole suite in the foreground with the dev MongoDB (or R5_MONGODB_URI).
#   deploy/quickstart.sh            serves http://127.0.0.1:8080 (R5_PORT to change)
#   R5_LOG_LEVEL=debug R5_LOG_FORMAT=json deploy/quickstart.sh    every process logs so
set -euo pipefail
cd "$(dirname "$0")/.."

deploy/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release > build.log 2>&1 || { cat build.log; exit 1; }
cmake --build build -j"$(nproc)" >> build.log 2>&1 || { tail -50 build.log; exit 1; }
exec /usr/bin/python3 deploy/r5suite.py run --build-dir build --data-dir "${R5_DATA_DIR:-data}" --port "${R5_PORT:-8080}"
