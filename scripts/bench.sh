#!/usr/bin/env bash
# The benchmark suite: every bench/bench_*.py in turn (each prints a table of medians and ratios to a
# baseline measured in the same run). Each one also runs alone: .venv/bin/python bench/bench_plan.py
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
for bench in bench/bench_*.py; do
  .venv/bin/python "$bench"
  echo
done
