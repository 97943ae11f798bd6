"""Benchmark: a no-op plan of N connectors + N models vs the raw GETs of those resources it needs."""

import contextlib
import io
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
from bench_validate import write_tree
from benchkit import Case, Group, measure, print_header, print_table

from mlgitops.backends.opensearch import backend as opensearch
from mlgitops.cli.main import main as cli_main
from mlgitops.cli.wiring import LOCAL_BASE_URL
from mlgitops.engine import LocalEngine
from mlgitops.engine.http.transport import EngineTransport
from mlgitops.manifests import cachefiles, load_manifests
from mlgitops.service import plan_once, reconcile_once

SIZES = (10, 40)  # connectors (and as many models)
ML = "/_plugins/_ml"
# Fake credentials: the plan only compares their keyed digests, nothing is called.
FAKE_ENV = {
    "OPENAI_API_KEY": "sk-bench-openai",
    "COHERE_API_KEY": "bench-cohere",
    "AWS_ACCESS_KEY_ID": "AKIABENCHEXAMPLE0001",
    "AWS_SECRET_ACCESS_KEY": "bench-aws-secret",
}


def search_ids(client: httpx.Client, kind: str) -> list[str]:
    """Every id of ``connectors`` or ``models`` on the engine."""
    response = client.post(f"{ML}/{kind}/_search", json={"query": {"match_all": {}}, "size": 1000})
    response.raise_for_status()
    return [str(hit["_id"]) for hit in response.json()["hits"]["hits"]]


def get_all(client: httpx.Client, connector_ids: list[str], model_ids: list[str]) -> int:
    """The baseline: GET every connector and every model, one request each."""
    for path in [f"{ML}/connectors/{i}" for i in connector_ids] + [f"{ML}/models/{i}" for i in model_ids]:
        client.get(path).raise_for_status()
    return len(connector_ids) + len(model_ids)


@contextlib.contextmanager
def reconciled(root: Path, pairs: int) -> Iterator[tuple[Path, str, LocalEngine]]:
    """A manifest tree of ``pairs`` connectors+models applied to a fresh local engine."""
    manifests = write_tree(root / "manifests", 2 * pairs)
    engine_dir = root / "engine"
    with LocalEngine(engine_dir) as engine:
        backend = opensearch.connect(LOCAL_BASE_URL, transport=EngineTransport(engine))
        try:
            outcome = reconcile_once([manifests], backend=backend, holder="bench@local")
            if not outcome.ok:
                raise SystemExit(f"reconcile of {pairs} connectors failed: {outcome.report}")
        finally:
            backend.close()
        yield manifests, f"local:{engine_dir}", engine


def no_op_plan(manifests: Path, backend: opensearch.OpenSearchBackend) -> None:
    """plan_once as the CLI runs it (manifest cache on disk): must find nothing to do."""
    outcome = plan_once([manifests], backend=backend, cache=cachefiles.open_cache(os.environ))
    if outcome.plan.actions:
        raise SystemExit(f"expected an empty plan, got {len(outcome.plan.actions)} actions")


def cli_plan(manifests: Path, target: str) -> None:
    """``mlgitops plan --detailed-exitcode`` in-process (opens the engine itself); exit 0 = no changes."""
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()) as err:
        code = cli_main(["plan", str(manifests), "--target", target, "--detailed-exitcode"])
    if code != 0:
        raise SystemExit(f"mlgitops plan exited {code}: {err.getvalue()[-500:]}")


def group_for(pairs: int, manifests: Path, target: str, engine: LocalEngine, stack: Any) -> Group:
    """Baseline (raw GETs) and the two plan paths, against the reconciled engine."""
    raw = stack.enter_context(httpx.Client(transport=EngineTransport(engine), base_url=LOCAL_BASE_URL))
    backend = stack.enter_context(
        contextlib.closing(opensearch.connect(LOCAL_BASE_URL, transport=EngineTransport(engine)))
    )
    connector_ids, model_ids = search_ids(raw, "connectors"), search_ids(raw, "models")
    if len(connector_ids) != pairs or len(model_ids) != pairs:
        raise SystemExit(
            f"expected {pairs} connectors and models, found {len(connector_ids)}/{len(model_ids)}"
        )
    return Group(
        pairs,
        Case(
            f"GET {pairs} connectors + {pairs} models (baseline)",
            lambda: get_all(raw, connector_ids, model_ids),
        ),
        [
            Case("  of which load_manifests, no cache", lambda: load_manifests([manifests])),
            Case(
                "  of which load_manifests, files unchanged",
                lambda: load_manifests([manifests], cache=cachefiles.open_cache(os.environ)),
            ),
            Case("plan_once (no changes)", lambda: no_op_plan(manifests, backend)),
            Case("mlgitops plan in-process (no changes)", lambda: cli_plan(manifests, target)),
        ],
    )


def main() -> None:
    """Reconcile each size once, then measure the no-op plans; print one table."""
    print_header("bench_plan: no-op plan against the local engine")
    os.environ.update(FAKE_ENV)
    rows = []
    # chdir: no project file (mlgitops.yaml) from the caller's directory
    with tempfile.TemporaryDirectory(prefix="mlgitops-bench-") as tmp, contextlib.chdir(tmp):
        os.environ[cachefiles.CACHE_DIR_ENV] = str(Path(tmp) / "cache")  # the CLI's manifest cache, here
        for pairs in SIZES:
            with (
                reconciled(Path(tmp) / f"n{pairs}", pairs) as (manifests, target, engine),
                contextlib.ExitStack() as stack,
            ):
                rows.extend(measure(group_for(pairs, manifests, target, engine, stack)))
    print_table(
        "no-op plan vs the raw reads of the same resources (in-process engine)",
        rows,
        note=(
            "N = connectors (and as many models). ratio = cost of planning (load + validate manifests, "
            "read state and ownership records, digest credentials, diff) over 2N plain GETs"
        ),
    )


if __name__ == "__main__":
    main()
