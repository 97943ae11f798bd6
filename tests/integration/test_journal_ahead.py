"""A reconcile writes the intents of its creates ahead, many per request, and closes those left unused."""

import json
from pathlib import Path

import httpx

from manifestkit import documents, model_group, openai_connector, remote_model
from mlgitops.backends.opensearch import backend as opensearch
from mlgitops.cli.wiring import LOCAL_BASE_URL
from mlgitops.engine import LocalEngine
from mlgitops.engine.http.transport import EngineTransport
from mlgitops.service import reconcile_once

PAIRS = 30
ENV = {"OPENAI_API_KEY": "sk-journal-ahead"}
CREATES = (
    "/_plugins/_ml/model_groups/_register",
    "/_plugins/_ml/connectors/_create",
    "/_plugins/_ml/models/_register",
)


class Recording(httpx.BaseTransport):
    """The engine's transport, logging creates and their intents' writes in order; refuses one create."""

    def __init__(self, engine: LocalEngine, refuse: str | None = None) -> None:
        self.inner = EngineTransport(engine)
        self.refuse = refuse
        self.log: list[tuple[str, list[str]]] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path == "/_bulk":
            lines = [json.loads(line) for line in request.content.decode().splitlines()]
            names = [str(line["name"]) for line in lines if line.get("verb") in ("create", "register")]
            if names:
                self.log.append(("intents", names))
        elif path in CREATES:
            name = str(json.loads(request.content)["name"])
            self.log.append(("create", [name]))
            if name == self.refuse:
                error = {"type": "illegal_argument_exception", "reason": "refused for the test"}
                return httpx.Response(400, json={"error": error, "status": 400})
        return self.inner.handle_request(request)


def tree(directory: Path) -> Path:
    directory.mkdir()
    texts = [model_group("grp", "journal ahead")]
    for index in range(PAIRS):
        texts += [
            openai_connector(f"c{index}", "OPENAI_API_KEY"),
            remote_model(f"m{index}", f"c{index}", "grp"),
        ]
    (directory / "all.yaml").write_text(documents(*texts))
    return directory


def reconcile(tmp_path: Path, refuse: str | None = None) -> tuple[bool, Recording, list[dict[str, object]]]:
    root = tree(tmp_path / "manifests")
    with LocalEngine(tmp_path / "engine") as engine:
        transport = Recording(engine, refuse)
        backend = opensearch.connect(LOCAL_BASE_URL, transport=transport)
        try:
            outcome = reconcile_once([root], backend=backend, environ=ENV, parallelism=1, holder="t@host")
            left = backend.client.scan_docs(".mlgitops", {"term": {"type": "intent"}})
        finally:
            backend.close()
    return outcome.ok, transport, left


def test_creates_find_their_intents_already_written_many_per_request(tmp_path: Path) -> None:
    ok, transport, left = reconcile(tmp_path)
    assert ok and left == []
    journalled: set[str] = set()
    creates = 0
    for what, names in transport.log:
        if what == "intents":
            journalled.update(names)
        else:
            creates += 1
            assert names[0] in journalled, f"{names[0]} was created before its intent was written"
    assert creates == 2 * PAIRS + 1
    # One write per create would be 61 requests; ahead, the group's, the connectors' and the models'.
    assert sum(what == "intents" for what, _ in transport.log) <= 3


def test_intents_written_ahead_of_creates_that_never_ran_are_closed(tmp_path: Path) -> None:
    ok, transport, left = reconcile(tmp_path, refuse="c3")
    assert not ok
    assert ("create", ["m3"]) not in transport.log  # skipped: its connector failed
    assert any(what == "intents" and "m3" in names for what, names in transport.log)  # yet journalled
    assert left == []  # and closed when the apply ended
