"""``_refresh`` of several indices: a missing one is a 404, or skipped with ``ignore_unavailable``."""

import httpx
from enginekit import create_connector, error, ok

from mlgitops.backends.opensearch import reading
from mlgitops.backends.opensearch.client import MLCommonsClient
from mlgitops.model.resources import Kind

ML_AND_MISSING = "/.plugins-ml-connector,.plugins-ml-model,.plugins-ml-agent/_refresh"


def test_a_missing_index_fails_the_refresh_unless_ignored(client: httpx.Client) -> None:
    assert error(client.post(ML_AND_MISSING), 404) == "no such index [.plugins-ml-agent]"
    shards = ok(client.post(ML_AND_MISSING, params={"ignore_unavailable": "true"}))["_shards"]
    assert shards == {"total": 2, "successful": 2, "failed": 0}
    nothing = ok(client.post("/.nothing,.neither/_refresh", params={"ignore_unavailable": "true"}))
    assert nothing["_shards"] == {"total": 0, "successful": 0, "failed": 0}


def test_resources_just_changed_are_refreshed_not_read_one_by_one(client: httpx.Client) -> None:
    """After an apply the engine answers the refresh a re-plan sends: no per-resource GET, no wait."""
    connector_id = create_connector(client)
    sent: list[str] = []
    client.event_hooks["request"].append(lambda request: sent.append(f"{request.method} {request.url.path}"))
    fresh = reading.settle(MLCommonsClient(client), [(Kind.CONNECTOR, connector_id)])
    assert fresh == {}
    assert sent == [f"POST /{','.join(reading.ML_INDICES)}/_refresh"]
