"""A plan is strictly read only: it works with read-only credentials and leaves ``.mlgitops`` unchanged."""

# mypy: allow-untyped-defs, allow-untyped-calls

import contextlib
from pathlib import Path
from typing import Any

import httpx
import pytest

from mlgitops.backends.opensearch import backend as opensearch
from mlgitops.cli.main import main
from mlgitops.cli.wiring import LOCAL_BASE_URL, open_backend
from mlgitops.engine import LocalEngine
from mlgitops.engine.http.transport import EngineTransport
from mlgitops.manifests import project_variables, read_project_config
from mlgitops.service import plan_once, reconcile_once

EVERYTHING: dict[str, Any] = {"match_all": {}}


class ReadOnlyTransport(httpx.BaseTransport):
    """The engine's transport for a user who may only read: any write is answered 403 (and counted)."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner
        self.refused: list[str] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        reading = request.method in ("GET", "HEAD") or request.url.path.endswith("/_search")
        if reading:
            return self.inner.handle_request(request)
        self.refused.append(f"{request.method} {request.url.path}")
        error = {"error": {"type": "security_exception", "reason": "no permissions for write"}}
        return httpx.Response(403, json=error, request=request)


@contextlib.contextmanager
def read_only_backend(target: str):
    with LocalEngine(Path(target.removeprefix("local:"))) as engine:
        transport = ReadOnlyTransport(EngineTransport(engine))
        backend = opensearch.connect(LOCAL_BASE_URL, transport=transport, env={})
        try:
            yield backend, transport
        finally:
            backend.close()


def bookkeeping(target: str) -> list[tuple[str, Any, Any]]:
    """Every document of ``.mlgitops`` with its sequence number (empty when the index does not exist)."""
    with open_backend(target) as backend:
        client = backend.client
        docs = []
        for hit in client.scan_docs(".mlgitops", EVERYTHING):
            document = client.get_doc(".mlgitops", hit["_id"])
            docs.append((hit["_id"], document.source, (document.seq_no, document.primary_term)))
    return sorted(docs, key=lambda item: item[0])


@pytest.fixture
def demo(example_project, fake_secrets, local_target):
    variables = project_variables(read_project_config(example_project / "mlgitops.yaml"), "demo")
    return {"paths": [example_project / "manifests"], "variables": variables, "environ": fake_secrets}


def test_plan_of_a_fresh_target_with_read_only_credentials_shows_everything(demo, local_target):
    with read_only_backend(local_target) as (backend, transport):
        outcome = plan_once(backend=backend, **demo)
    assert transport.refused == []
    assert len(outcome.plan.actions) == 19
    assert bookkeeping(local_target) == []


def test_plan_after_a_reconcile_writes_nothing_and_sees_changes(demo, local_target, example_project):
    with open_backend(local_target) as backend:
        assert reconcile_once(backend=backend, **demo).ok
    before = bookkeeping(local_target)
    assert any(doc_id == "digest-key" for doc_id, _, _ in before)
    path = example_project / "manifests" / "openai.yaml"
    path.write_text(path.read_text().replace("model: text-embedding-ada-002", "model: text-embedding-3"))
    with read_only_backend(local_target) as (backend, transport):
        plan = plan_once(backend=backend, **demo).plan
    assert transport.refused == []
    assert [action.verb.value for action in plan.actions] == ["undeploy", "update", "deploy"]
    assert bookkeeping(local_target) == before


def test_cli_plan_and_dry_run_leave_the_bookkeeping_alone(demo, local_target, capsys):
    env = ["--env", "demo", "--target", local_target]
    assert main(["plan", *env]) == 0
    assert main(["reconcile", "--dry-run", *env, "--out", "plan.json"]) == 0
    capsys.readouterr()
    assert bookkeeping(local_target) == []
    assert main(["reconcile", *env, "--plan", "plan.json", "--detailed-exitcode"]) == 2
    before = bookkeeping(local_target)
    assert main(["plan", *env, "--detailed-exitcode"]) == 0
    assert bookkeeping(local_target) == before
