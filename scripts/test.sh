#!/usr/bin/env bash
# The whole test suite: formatting, lint, types, import layers, schema freshness, manifests, pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$PWD/.venv/bin:$PATH"
echo "== ruff"; ruff format --check src tests bench; ruff check src tests bench
echo "== mypy"; mypy
echo "== import layers"; lint-imports
echo "== schemas up to date"; mlgitops schema --check
echo "== example manifests"; mlgitops validate manifests/
echo "== pytest"; pytest -q "$@"
