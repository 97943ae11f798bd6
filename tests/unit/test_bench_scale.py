"""The scale and watch benches run end to end at a tiny size (so they cannot rot)."""

import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench"


def test_the_scale_bench_runs_at_a_tiny_size() -> None:
    result = subprocess.run(
        [
            sys.executable,
            str(BENCH / "bench_scale.py"),
            "--sizes",
            "4,8",
            "--latency-size",
            "4",
            "--latency-ms",
            "1",
        ],
        cwd=BENCH,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    table = result.stdout.split("## scale", 1)[1]
    for step in (
        "validate",
        "plan, empty target",
        "apply (vs",
        "plan, converged",
        "one change",
        "ms/request",
    ):
        assert step in table
    assert "growth" in table


def test_the_watch_bench_runs_at_a_tiny_size() -> None:
    result = subprocess.run(
        [sys.executable, str(BENCH / "bench_watch.py"), "--resources", "4", "--saves", "1"],
        cwd=BENCH,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "save to plan" in result.stdout
