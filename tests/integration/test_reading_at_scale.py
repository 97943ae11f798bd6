"""Reading a target with more records than the result window: everything, in a few paged searches."""

import collections
from pathlib import Path

import httpx

from mlgitops.backends.opensearch import backend as opensearch
from mlgitops.backends.opensearch.client import PAGE_SIZE
from mlgitops.backends.opensearch.records import INDEX, Bookkeeping, record_id, record_to_source
from mlgitops.engine import LocalEngine
from mlgitops.engine.http.transport import EngineTransport
from mlgitops.engine.storage.store import CONNECTOR_INDEX
from mlgitops.model.resources import Kind, ResourceKey
from mlgitops.plan.state import OwnershipRecord

RECORDS = 10_050
CONNECTORS = 1_200
WINDOW = 2_000  # smaller than what is read, larger than a page


class CountingTransport(httpx.BaseTransport):
    """The engine's transport, counting requests by method and path shape."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner
        self.calls: collections.Counter[str] = collections.Counter()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        shape = path if path.endswith("_search") else path.rsplit("/", 1)[0] + "/{id}"
        self.calls[f"{request.method} {shape}"] += 1
        return self.inner.handle_request(request)


def _populate(engine: LocalEngine) -> None:
    with engine.store.write() as tx:
        tx.create_index(INDEX, 0)
        for number in range(CONNECTORS):
            tx.put(
                CONNECTOR_INDEX,
                f"c{number}",
                {"name": f"conn-{number}", "protocol": "http", "created_time": 1},
            )
        for number in range(RECORDS):
            key = ResourceKey(Kind.CONNECTOR, f"conn-{number}")
            tx.put(INDEX, record_id(key), record_to_source(OwnershipRecord(key, f"c{number}"), 1))
            if number % 100 == 0:
                tx.put(
                    INDEX,
                    f"intent:run-x:{number}",
                    {
                        "type": "intent",
                        "run_id": "run-x",
                        "seq": number,
                        "verb": "create",
                        "kind": "Connector",
                        "name": f"conn-{number}",
                        "time_ms": number,
                    },
                )


def test_every_record_and_resource_is_read_past_the_result_window(tmp_path: Path) -> None:
    with LocalEngine(tmp_path / "engine", max_result_window=WINDOW) as engine:
        _populate(engine)
        transport = CountingTransport(EngineTransport(engine))
        backend = opensearch.connect("http://engine", transport=transport)
        try:
            state = backend.read_state([])
            calls = collections.Counter(transport.calls)
            records = Bookkeeping(backend.client).read_records()
        finally:
            backend.close()
    assert len(records) == RECORDS
    assert len(state.resources) == CONNECTORS  # records whose connector exists
    assert len(state.pending) == RECORDS // 100 + 1
    searches = {call: count for call, count in calls.items() if call.endswith("_search")}
    # Each page re-reads the last hit of the one before: PAGE_SIZE - 1 new hits per page.
    bookkeeping = RECORDS + RECORDS // 100 + 1
    assert searches["POST /.mlgitops/_search"] == bookkeeping // (PAGE_SIZE - 1) + 1
    assert searches["POST /_plugins/_ml/connectors/_search"] == CONNECTORS // (PAGE_SIZE - 1) + 1
    # Besides the searches: the cluster settings, and nothing per resource.
    # The settings only: no manifest or record names a pipeline or an agent, so none is read.
    assert sum(calls.values()) - sum(searches.values()) == 1
