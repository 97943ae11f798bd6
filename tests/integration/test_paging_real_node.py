"""On a real OpenSearch node: more ownership records than the result window are all read.

Runs on the session's plain node (``opensearch_node``, see tests/opensearchkit.py); the records it
writes are removed again.
"""

import uuid
from collections.abc import Iterator

import httpx
import pytest

from mlgitops.backends.opensearch.client import BulkOperation, MLCommonsClient
from mlgitops.backends.opensearch.records import INDEX, Bookkeeping, record_id, record_to_source
from mlgitops.model.resources import Kind, ResourceKey
from mlgitops.plan.state import OwnershipRecord
from opensearchkit import RealNode

RECORDS = 10_050
WINDOW = 2_000

pytestmark = pytest.mark.opensearch


@pytest.fixture
def client(opensearch_node: RealNode) -> Iterator[MLCommonsClient]:
    with httpx.Client(base_url=opensearch_node.url, timeout=120) as http:
        yield MLCommonsClient(http)


def test_records_past_the_result_window_are_all_read(client: MLCommonsClient) -> None:
    prefix = f"paging-{uuid.uuid4().hex[:8]}"
    keys = [ResourceKey(Kind.CONNECTOR, f"{prefix}-{n}") for n in range(RECORDS)]
    writes = [
        BulkOperation("index", INDEX, record_id(key), record_to_source(OwnershipRecord(key, f"id-{n}"), 1))
        for n, key in enumerate(keys)
    ]
    try:
        for start in range(0, RECORDS, 2_000):
            client.bulk(writes[start : start + 2_000])
        client.request("PUT", f"/{INDEX}/_settings", body={"index": {"max_result_window": WINDOW}})
        records = Bookkeeping(client).read_records()
        assert {key for key in records if key.name.startswith(prefix)} == set(keys)
        assert all(records[key].resource_id == f"id-{n}" for n, key in enumerate(keys))
    finally:
        client.request("PUT", f"/{INDEX}/_settings", body={"index": {"max_result_window": None}})
        for start in range(0, RECORDS, 2_000):
            client.bulk([BulkOperation("delete", INDEX, op.doc_id) for op in writes[start : start + 2_000]])
