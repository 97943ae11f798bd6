#!/usr/bin/env bash
# The benchmark suite: every bench/bench_*.py in turn (each prints a table of medians and ratios to a
# baseline measured in the same run). Each one also runs alone: .venv/bin/python bench/bench_plan.py
# BENCH_SCALE_SIZES=100,1000 (default 100,1000,10000) sizes the scale bench for a quick run.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
for bench in bench/bench_*.py; do
  if [[ "$bench" == bench/bench_scale.py ]]; then
    .venv/bin/python "$bench" --sizes "${BENCH_SCALE_SIZES:-100,1000,10000}"
  else
    .venv/bin/python "$bench"
  fi
  echo
done
