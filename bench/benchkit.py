"""Shared benchmark helpers: interleaved timing rounds, medians, ratios to a same-run baseline, tables."""

import gc
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

ROUNDS = 5
ROUND_SECONDS = 0.25  # target duration of one round of one case (ops per round are calibrated to it)
MAX_OPS = 10_000


@dataclass(frozen=True)
class Case:
    """One thing to time: ``run`` performs one operation."""

    name: str
    run: Callable[[], object]


@dataclass(frozen=True)
class Group:
    """Cases measured together at one size ``n``; ratios are to ``baseline``, measured in the same rounds."""

    n: int
    baseline: Case
    cases: Sequence[Case]

    @property
    def all_cases(self) -> list[Case]:
        """The baseline first, then the other cases."""
        return [self.baseline, *self.cases]


@dataclass
class Row:
    """The outcome for one case: median seconds per operation and its ratio to the baseline."""

    case: str
    n: int
    per_op: float
    ratio: float
    ops: int
    samples: list[float] = field(default_factory=list, repr=False)


def _calibrate(case: Case, round_seconds: float) -> int:
    """Run once (warm-up) and pick how many operations fill a round of ``round_seconds``."""
    start = time.perf_counter()
    case.run()
    elapsed = time.perf_counter() - start
    return max(1, min(MAX_OPS, round(round_seconds / max(elapsed, 1e-9))))


def _time_round(case: Case, ops: int) -> float:
    gc.collect()
    start = time.perf_counter()
    for _ in range(ops):
        case.run()
    return (time.perf_counter() - start) / ops


def measure(group: Group, *, rounds: int = ROUNDS, round_seconds: float = ROUND_SECONDS) -> list[Row]:
    """Median time per op of every case over ``rounds`` interleaved rounds (baseline row first)."""
    cases = group.all_cases
    ops = {case.name: _calibrate(case, round_seconds) for case in cases}
    samples: dict[str, list[float]] = {case.name: [] for case in cases}
    for _ in range(rounds):
        for case in cases:  # interleaved, so drift and noisy neighbours hit every case alike
            samples[case.name].append(_time_round(case, ops[case.name]))
    medians = {name: statistics.median(values) for name, values in samples.items()}
    base = medians[group.baseline.name]
    return [
        Row(
            case.name,
            group.n,
            medians[case.name],
            medians[case.name] / base,
            ops[case.name],
            samples[case.name],
        )
        for case in cases
    ]


def format_seconds(seconds: float) -> str:
    """``12.3 µs`` / ``4.56 ms`` / ``1.23 s``."""
    if seconds < 1e-3:
        return f"{seconds * 1e6:.1f} µs"
    if seconds < 1:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds:.2f} s"


def _spread(row: Row) -> str:
    if not row.samples:
        return ""
    low, high = min(row.samples), max(row.samples)
    return f"±{(high - low) / 2 / row.per_op * 100:.0f}%" if row.per_op else ""


def print_table(title: str, rows: Sequence[Row], *, note: str = "") -> None:
    """Print ``case | N | median/op | ratio`` (ratio to the baseline of the same N, same run)."""
    width = max([len("case"), *(len(row.case) for row in rows)])
    print(f"\n## {title}")
    if note:
        print(note)
    header = f"{'case':<{width}}  {'N':>5}  {'median/op':>10}  {'ratio':>7}  {'spread':>6}  {'ops/round':>9}"
    print(header)
    print("-" * len(header))
    for row in rows:
        print(
            f"{row.case:<{width}}  {row.n:>5}  {format_seconds(row.per_op):>10}  "
            f"{row.ratio:>6.2f}x  {_spread(row):>6}  {row.ops:>9}"
        )


def print_header(name: str) -> None:
    """The benchmark's name and the machine it runs on (figures are only comparable within a run)."""
    print(
        f"# {name}  (python {platform.python_version()}, {os.cpu_count()} CPUs, "
        f"{ROUNDS} rounds of ~{ROUND_SECONDS}s per case, medians)"
    )
    sys.stdout.flush()
