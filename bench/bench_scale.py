"""Benchmark: validate, plan, apply, no-op plan and one change at 100 / 1,000 / 10,000 resources.

Every step is timed beside a baseline measured in the same run: a plain YAML load (validate, plan
against an empty target), the same requests with the same bodies sent one by one over REST (apply),
plain paged searches of the target's documents (no-op plan, one change; the no-op plan and the reads
alternate, medians of 5 rounds at least, so both see the same load). The growth exponent is between
the last two sizes (1 = linear). Every step uses the manifest cache as the CLI does (on disk, a new
cache object per run, like a new process); "validate, first run" empties it before each run. Last,
applies through a loopback server that adds 20 ms to every request: with every model in one group
(ML Commons takes registers into one group one at a time, so the sequential script's own register
round trips are shown as the bound), and with the models spread over 10 groups.

    .venv/bin/python bench/bench_scale.py [--sizes 100,1000,10000] [--latency-size 200] [--latency-ms 20]
        [--latency-groups 10]
"""

import argparse
import contextlib
import dataclasses
import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import yaml
from bench_plan import FAKE_ENV
from bench_validate import HEADER, connector_and_model, write_tree

from mlgitops.backends.opensearch import backend as opensearch
from mlgitops.cli.wiring import LOCAL_BASE_URL
from mlgitops.engine import LocalEngine
from mlgitops.engine.http.transport import EngineTransport
from mlgitops.manifests import ManifestCache, cachefiles, load_manifests
from mlgitops.manifests.loading import find_manifest_files
from mlgitops.service import plan_once, reconcile_once

ML = "/_plugins/_ml"


def timed(run: Callable[[], object], repeat: int, before: Callable[[], object] | None = None) -> float:
    """Median seconds of ``repeat`` runs (``before`` runs untimed ahead of each)."""
    samples = []
    for _ in range(repeat):
        if before is not None:
            before()
        start = time.perf_counter()
        run()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def interleaved(
    baseline: Callable[[], object], measured: Callable[[], object], rounds: int
) -> tuple[float, float]:
    """Medians of ``rounds`` alternating runs of ``baseline`` and ``measured`` (both see the same load)."""
    samples: tuple[list[float], list[float]] = ([], [])
    for _ in range(rounds):
        for run, into in ((baseline, samples[0]), (measured, samples[1])):
            start = time.perf_counter()
            run()
            into.append(time.perf_counter() - start)
    return statistics.median(samples[0]), statistics.median(samples[1])


def yaml_load(root: Path) -> int:
    """Baseline: PyYAML's safe loader over every manifest file, nothing else."""
    files, _ = find_manifest_files([root])
    return sum(len(list(yaml.safe_load_all(file.read_text(encoding="utf-8")))) for file in files)


def manifest_cache() -> ManifestCache:
    """The manifest cache as a new ``mlgitops`` process opens it (results on disk, nothing in memory)."""
    return cachefiles.open_cache(os.environ)


def forget_manifests() -> None:
    """Empty the manifest cache: the next run parses and validates every file, as a first run does."""
    directory = cachefiles.default_directory(os.environ)
    if directory is not None:
        shutil.rmtree(directory, ignore_errors=True)


def validate(root: Path) -> None:
    """``mlgitops validate``: parse, positions, schema, pydantic and semantic checks (cache as the CLI)."""
    if not load_manifests([root], cache=manifest_cache()).ok:
        raise SystemExit("the generated manifests do not validate")


@contextlib.contextmanager
def connected(engine: LocalEngine) -> Iterator[opensearch.OpenSearchBackend]:
    """mlgitops' backend over the engine's in-process transport."""
    backend = opensearch.connect(LOCAL_BASE_URL, transport=EngineTransport(engine))
    try:
        yield backend
    finally:
        backend.close()


def plan(root: Path, engine: LocalEngine, expect_empty: bool | None = None) -> int:
    """plan_once against ``engine``; returns the number of actions."""
    with connected(engine) as backend:
        actions = len(plan_once([root], backend=backend, cache=manifest_cache()).plan.actions)
    if expect_empty is not None and (actions == 0) != expect_empty:
        raise SystemExit(f"unexpected plan of {actions} actions")
    return actions


def apply(root: Path, client_backend: opensearch.OpenSearchBackend) -> None:
    """reconcile_once: plan, apply (bookkeeping included), re-plan."""
    outcome = reconcile_once([root], backend=client_backend, holder="bench@local", cache=manifest_cache())
    if not outcome.ok:
        raise SystemExit(f"reconcile failed: {str(outcome.report)[:500]}")


@dataclasses.dataclass(frozen=True)
class PlainBodies:
    """What a tree declares, as the ML Commons request bodies a plain script sends (credentials filled)."""

    settings: dict[str, Any]
    groups: list[dict[str, Any]]
    pairs: list[tuple[dict[str, Any], dict[str, Any], str]]  # (connector, model, its group's name)


def plain_bodies(root: Path) -> PlainBodies:
    """The settings, group, connector and model bodies of a ``write_tree`` tree (read before timing)."""
    settings: dict[str, Any] = {}
    groups: list[dict[str, Any]] = []
    connectors: dict[str, dict[str, Any]] = {}
    pairs: list[tuple[dict[str, Any], dict[str, Any], str]] = []
    for path in find_manifest_files([root])[0]:
        for document in yaml.safe_load_all(path.read_text()):
            kind, name, spec = document["kind"], document["metadata"]["name"], dict(document["spec"])
            if kind == "ClusterSettings":
                settings = {spec.pop("scope", "persistent"): spec}
            elif kind == "ModelGroup":
                groups.append({"name": name, **spec})
            elif kind == "Connector":
                spec["credential"] = {key: os.environ[ref["env"]] for key, ref in spec["credential"].items()}
                connectors[name] = spec
            elif kind == "Model":
                model = {
                    "name": name,
                    "function_name": spec["function_name"],
                    "description": spec["description"],
                }
                pairs.append((connectors[spec["connector"]], model, spec["model_group"]))
    return PlainBodies(settings, groups, pairs)


def plain_apply(client: httpx.Client, bodies: PlainBodies, confirm: bool = False) -> float:
    """Baseline: the same settings, groups, connectors, models and deploys as the apply, with the same
    bodies, one request each, in order.

    With ``confirm``, each deploy is followed by GETs of its model until it is no longer DEPLOYING, as
    a script that checks its deploys does. Returns the seconds spent in register requests (with one
    group, the least any apply can take).
    """
    client.put("/_cluster/settings", json=bodies.settings).raise_for_status()
    group_ids = {
        group["name"]: client.post(f"{ML}/model_groups/_register", json=group).json()["model_group_id"]
        for group in bodies.groups
    }
    registering = 0.0
    for connector, declared, group in bodies.pairs:
        connector_id = client.post(f"{ML}/connectors/_create", json=connector).json()["connector_id"]
        model = {**declared, "model_group_id": group_ids[group], "connector_id": connector_id}
        start = time.perf_counter()
        model_id = client.post(f"{ML}/models/_register", json=model).json()["model_id"]
        registering += time.perf_counter() - start
        client.post(f"{ML}/models/{model_id}/_deploy").raise_for_status()
        while confirm and client.get(f"{ML}/models/{model_id}").json()["model_state"] == "DEPLOYING":
            pass
    return registering


def group_name(index: int) -> str:
    """The name of the ``index``-th model group of a tree spread over several groups."""
    return f"bench-models-{index}"


def spread_over_groups(root: Path, groups: int) -> Path:
    """Rewrite a ``write_tree`` tree so that model i is in group i % ``groups``."""
    documents = [
        f"apiVersion: mlgitops/v1\nkind: ModelGroup\nmetadata:\n  name: {group_name(index)}\n"
        f"spec:\n  description: Remote models generated by bench_scale\n"
        for index in range(groups)
    ]
    (root / "01-groups.yaml").write_text("---\n".join(documents))
    model = 0
    for path in sorted((root / "models").glob("*.yaml")):
        parts = path.read_text().split("  model_group: bench-models\n")
        text = parts[0]
        for rest in parts[1:]:
            text += f"  model_group: {group_name(model % groups)}\n{rest}"
            model += 1
        path.write_text(text)
    return root


def sequential_rest(directory: Path, root: Path, confirm: bool = False) -> float:
    """Seconds of ``plain_apply`` of the tree at ``root`` into a new engine in ``directory``."""
    bodies = plain_bodies(root)
    with (
        LocalEngine(directory) as plain,
        httpx.Client(transport=EngineTransport(plain), base_url=LOCAL_BASE_URL) as raw,
    ):
        return timed(lambda: plain_apply(raw, bodies, confirm=confirm), 1)


def plain_read(client: httpx.Client) -> int:
    """Baseline: every document of each kind and of ``.mlgitops``, in plain paged searches."""
    count = 0
    for path in (
        f"{ML}/model_groups/_search",
        f"{ML}/connectors/_search",
        f"{ML}/models/_search",
        "/.mlgitops/_search",
    ):
        after: list[object] | None = None
        while True:
            body = {"size": 1000, "sort": [{"_seq_no": "asc"}], "track_total_hits": False}
            hits = client.post(path, json=body if after is None else {**body, "search_after": after}).json()
            page = hits["hits"]["hits"]
            count += len(page)
            if len(page) < 1000:
                break
            after = page[-1]["sort"]
    return count


def one_file(directory: Path, n: int) -> Path:
    """The same documents as ``write_tree`` in one file."""
    directory.mkdir()
    documents = [HEADER, *(connector_and_model(index) for index in range(n // 2))]
    (directory / "all.yaml").write_text("---\n".join(documents))
    return directory


def one_change(root: Path) -> None:
    """Edit one connector's description in place (the next plan has one update)."""
    first = sorted((root / "models").glob("*.yaml"))[0]
    text = first.read_text()
    first.write_text(text.replace("description: generated connector 0\n", "description: changed once\n", 1))


class Table:
    """Rows of step x size; prints times, ratios and growth exponents."""

    def __init__(self) -> None:
        self.rows: dict[str, dict[int, tuple[float, float]]] = {}

    def add(self, step: str, n: int, seconds: float, baseline: float) -> None:
        self.rows.setdefault(step, {})[n] = (seconds, seconds / baseline if baseline else math.nan)
        print(
            f"  {step:<34} N={n:>6}  {seconds:8.3f} s  {seconds / baseline if baseline else math.nan:7.2f}x"
        )
        sys.stdout.flush()

    def print(self, sizes: list[int]) -> None:
        print("\n## scale (N resources = N/2 connectors + N/2 deployed models, plus settings and a group)")
        head = "  ".join(f"{f'N={n}':>18}" for n in sizes)
        print(f"{'step':<34}  {head}  {'growth':>7}")
        for step, by_size in self.rows.items():
            if not any(n in by_size for n in sizes):
                n, (seconds, ratio) = next(iter(by_size.items()))
                print(
                    f"{step:<34}  N={n}: {seconds:.3f}s, {ratio:.2f}x the baseline ({1 / ratio:.1f}x faster)"
                )
                continue
            cells = "  ".join(
                f"{by_size[n][0]:8.3f}s {by_size[n][1]:6.2f}x" if n in by_size else f"{'':>18}" for n in sizes
            )
            done = [n for n in sizes if n in by_size]
            growth = math.nan
            if len(done) >= 2 and by_size[done[-2]][0] > 0:
                growth = math.log(by_size[done[-1]][0] / by_size[done[-2]][0]) / math.log(done[-1] / done[-2])
            print(f"{step:<34}  {cells}  {growth:7.2f}")


def run_size(tmp: Path, n: int, table: Table) -> None:
    """Every step at one size."""
    repeat = 3 if n <= 1000 else 1
    root = write_tree(tmp / f"tree-{n}", n)
    base_yaml = timed(lambda: yaml_load(root), repeat)
    first = timed(lambda: validate(root), repeat, before=forget_manifests)
    table.add("validate, first run (vs YAML load)", n, first, base_yaml)
    table.add("validate, unchanged (vs YAML load)", n, timed(lambda: validate(root), repeat), base_yaml)
    single = one_file(tmp / f"file-{n}", n)
    # Like the tree (read by the validate rows), the one file is read once before its plan is timed:
    # both plan rows reuse the cached parse, whatever ``repeat`` (1 at 10,000, so no warm-up run).
    validate(single)
    with LocalEngine(tmp / f"empty-{n}") as empty:
        table.add("plan, empty target (vs YAML load)", n, timed(lambda: plan(root, empty), repeat), base_yaml)
        table.add(
            "plan, all in one file (vs YAML load)", n, timed(lambda: plan(single, empty), repeat), base_yaml
        )
    before = sequential_rest(tmp / f"plain-{n}", root)
    with LocalEngine(tmp / f"target-{n}") as engine, connected(engine) as backend:
        seconds = timed(lambda: apply(root, backend), 1)
        # The sequential script waits for the disk's sync of every write, whose latency drifts with the
        # machine's other I/O: its mean before and after the apply bounds that drift.
        base_apply = (before + sequential_rest(tmp / f"plain-{n}-after", root)) / 2
        table.add("apply (vs sequential REST)", n, seconds, base_apply)
        confirmed = sequential_rest(tmp / f"plain-{n}-confirmed", root, confirm=True)
        table.add("  same script, deploys confirmed", n, confirmed, base_apply)
        with httpx.Client(transport=EngineTransport(engine), base_url=LOCAL_BASE_URL) as raw:
            base_read, converged = interleaved(
                lambda: plain_read(raw), lambda: plan(root, engine, True), max(repeat, 5)
            )
        table.add("plan, converged (vs paged reads)", n, converged, base_read)
        one_change(root)
        table.add("one change, reconcile (vs reads)", n, timed(lambda: apply(root, backend), 1), base_read)


@contextlib.contextmanager
def served(directory: Path, latency: float) -> Iterator[str]:
    """An engine in ``directory`` served by another process on loopback, ``latency`` added per request."""
    script = Path(__file__).with_name("latency.py")
    with subprocess.Popen(
        [sys.executable, str(script), str(directory), str(latency)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    ) as server:
        assert server.stdout is not None and server.stdin is not None
        url = server.stdout.readline().strip()
        try:
            yield url
        finally:
            server.stdin.close()
            server.wait(timeout=60)


def run_latency(tmp: Path, n: int, latency: float, table: Table, groups: int = 1) -> None:
    """Apply through a loopback server adding ``latency`` seconds per request, vs the sequential script.

    The engine lives on tmpfs when there is one: what is measured is how requests overlap, not the
    disk syncs of an engine that serialises its writes (a cluster takes parallel writes). With one
    group, a row shows the bound: the script's own register round trips, which no apply can overlap.
    """
    shm = Path("/dev/shm")
    base_dir = Path(tempfile.mkdtemp(dir=shm)) if shm.is_dir() else tmp
    root = write_tree(tmp / f"latency-tree-{n}-{groups}", n)
    if groups > 1:
        spread_over_groups(root, groups)
    registering: list[float] = []
    with served(base_dir / "plain", latency) as url, httpx.Client(base_url=url, timeout=60) as raw:
        bodies = plain_bodies(root)
        base = timed(lambda: registering.append(plain_apply(raw, bodies)), 1)
    with served(base_dir / "target", latency) as url:
        backend = opensearch.connect(url, env={})
        try:
            seconds = timed(lambda: apply(root, backend), 1)
        finally:
            backend.close()
    if base_dir != tmp:
        shutil.rmtree(base_dir, ignore_errors=True)
    ms = f"+{latency * 1000:.0f} ms/request"
    if groups == 1:
        table.add(f"apply, {ms} (vs seq.)", n, seconds, base)
        table.add(f"  bound: {n // 2} registers, 1 group", n, registering[0], base)
    else:
        table.add(f"apply, {ms}, {groups} groups (vs seq.)", n, seconds, base)


def main(argv: list[str] | None = None) -> None:
    """Parse the sizes, run every step at each, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--sizes", default="100,1000,10000", help="comma-separated resource counts")
    parser.add_argument(
        "--latency-size", type=int, default=200, help="resources for the latency run (0: skip)"
    )
    parser.add_argument("--latency-ms", type=float, default=20.0)
    parser.add_argument(
        "--latency-groups", type=int, default=10, help="model groups of the second latency row (1: skip)"
    )
    args = parser.parse_args(argv)
    sizes = [int(size) for size in args.sizes.split(",") if size.strip()]
    os.environ.update(FAKE_ENV)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else math.nan
    print(f"# bench_scale  ({os.cpu_count()} CPUs, load average {load:.2f} at start)")
    table = Table()
    with tempfile.TemporaryDirectory(prefix="mlgitops-bench-") as tmp, contextlib.chdir(tmp):
        os.environ[cachefiles.CACHE_DIR_ENV] = str(Path(tmp) / "cache")  # as a user's, but in the run's dir
        for n in sizes:
            run_size(Path(tmp), n, table)
        if args.latency_size:
            run_latency(Path(tmp), args.latency_size, args.latency_ms / 1000, table)
            if args.latency_groups > 1:
                run_latency(Path(tmp), args.latency_size, args.latency_ms / 1000, table, args.latency_groups)
    table.print(sizes)


if __name__ == "__main__":
    main()
