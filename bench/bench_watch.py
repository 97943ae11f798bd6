"""Benchmark: ``mlgitops watch``, from a saved manifest to the printed plan, at 100 resources.

The baseline is the same plan run in-process (``plan_once``): the difference is what the watcher adds
(file events, the quiet time that ends a batch, the pass's bookkeeping). Target: under 300 ms from save
to plan.

    .venv/bin/python bench/bench_watch.py [--resources 100] [--saves 7]
"""

import argparse
import contextlib
import io
import os
import queue
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench_plan import FAKE_ENV
from bench_validate import write_tree

from mlgitops.backends.opensearch import backend as opensearch
from mlgitops.cli.main import main as cli_main
from mlgitops.cli.wiring import LOCAL_BASE_URL
from mlgitops.engine import LocalEngine
from mlgitops.engine.http.transport import EngineTransport
from mlgitops.service import plan_once

DONE_MARKERS = ("Plan: ", "No changes.")


def _lines(stream: "subprocess.IO[str]", into: "queue.Queue[tuple[float, str]]") -> None:
    with contextlib.suppress(ValueError):  # the pipe closes when the watcher is stopped
        for line in stream:
            into.put((time.perf_counter(), line))


def _wait_for_plan(lines: "queue.Queue[tuple[float, str]]", timeout: float = 60.0) -> float:
    deadline = time.perf_counter() + timeout
    while True:
        stamp, line = lines.get(timeout=max(0.1, deadline - time.perf_counter()))
        if line.startswith(DONE_MARKERS):
            return stamp


def main(argv: list[str] | None = None) -> None:
    """Reconcile a tree, watch it, save a change several times, print the median latency."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--resources", type=int, default=100)
    parser.add_argument("--saves", type=int, default=7)
    args = parser.parse_args(argv)
    os.environ.update(FAKE_ENV)
    with tempfile.TemporaryDirectory(prefix="mlgitops-bench-") as tmp, contextlib.chdir(tmp):
        root = write_tree(Path(tmp) / "m", args.resources)
        with contextlib.redirect_stdout(io.StringIO()) as out:
            code = cli_main(["reconcile", str(root), "--target", "local:eng", "--output", "json"])
        if code != 0:
            raise SystemExit(f"reconcile failed: {out.getvalue()[-500:]}")
        edited = sorted((root / "models").glob("*.yaml"))[0]
        original = edited.read_text()
        with LocalEngine(Path(tmp) / "eng") as engine:
            backend = opensearch.connect(LOCAL_BASE_URL, transport=EngineTransport(engine))
            samples = []
            for _ in range(args.saves):
                start = time.perf_counter()
                plan_once([root], backend=backend)
                samples.append(time.perf_counter() - start)
            backend.close()
        baseline = statistics.median(samples)
        command = [sys.executable, "-m", "mlgitops", "watch", str(root), "--target", "local:eng"]
        env = {**os.environ, "PYTHONUNBUFFERED": "1", "NO_COLOR": "1"}
        latencies = []
        with subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env
        ) as watch:
            assert watch.stdout is not None
            lines: queue.Queue[tuple[float, str]] = queue.Queue()
            threading.Thread(target=_lines, args=(watch.stdout, lines), daemon=True).start()
            _wait_for_plan(lines)
            for save in range(args.saves):
                time.sleep(0.5)  # a quiet watcher, as between two saves by a person
                text = (
                    original.replace("generated connector 0\n", f"edit {save}\n", 1)
                    if save % 2 == 0
                    else original
                )
                start = time.perf_counter()
                edited.write_text(text)
                latencies.append(_wait_for_plan(lines) - start)
            watch.terminate()
    median = statistics.median(latencies)
    print(f"# bench_watch  ({os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f})")
    print(f"\n## watch: save -> printed plan, {args.resources} resources, median of {args.saves} saves")
    print(f"plan_once in-process (baseline)   {baseline * 1000:8.1f} ms   1.00x")
    ratio = median / baseline
    print(f"mlgitops watch, save to plan      {median * 1000:8.1f} ms   {ratio:.2f}x  (target 300 ms)")


if __name__ == "__main__":
    main()
