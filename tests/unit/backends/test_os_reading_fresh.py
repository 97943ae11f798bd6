"""Searches see a cluster's writes only after a refresh: resources just changed are read fresh."""

import httpx
import pytest
from readkit import MODEL, NearRealTime

from mlgitops.backends.opensearch import reading
from mlgitops.backends.opensearch.client import MLCommonsClient
from mlgitops.backends.opensearch.records import Bookkeeping
from mlgitops.errors import BackendError
from mlgitops.model.resources import Kind


@pytest.mark.parametrize("may_refresh", [True, False])
def test_a_just_changed_resource_is_read_as_it_is_now(may_refresh: bool) -> None:
    cluster = NearRealTime(may_refresh=may_refresh)
    client = MLCommonsClient(httpx.Client(transport=httpx.MockTransport(cluster), base_url="http://t"))
    stale = reading.read_state(client, Bookkeeping(client), [])
    assert stale.resources[MODEL].document["model_state"] == "REGISTERED"  # nothing changed by us: no refresh
    assert not any(path.endswith("/_refresh") for path in cluster.paths)
    fresh = reading.read_state(client, Bookkeeping(client), [], [(Kind.MODEL, "mid")])
    assert fresh.resources[MODEL].document["model_state"] == "DEPLOYED"
    assert ("GET /_plugins/_ml/models/mid" in cluster.paths) is not may_refresh


class HiddenFromSearch(NearRealTime):
    """Access control leaves the owned model out of this user's searches; a GET answers ``status``."""

    def __init__(self, status: int) -> None:
        super().__init__(may_refresh=True)
        self.status = status

    def __call__(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path == "/_plugins/_ml/models/_search":
            self.paths.append(f"{request.method} {path}")
            return httpx.Response(200, json={"hits": {"hits": []}})
        if path == "/_plugins/_ml/models/mid" and self.status != 200:
            self.paths.append(f"{request.method} {path}")
            reason = "You don't have permission to access this model" if self.status == 403 else "missing"
            error = {"type": "status_exception", "reason": reason}
            return httpx.Response(self.status, json={"error": error, "status": self.status})
        return super().__call__(request)


def test_an_owned_resource_missing_from_searches_is_asked_for_by_id() -> None:
    visible = HiddenFromSearch(200)
    client = MLCommonsClient(httpx.Client(transport=httpx.MockTransport(visible), base_url="http://t"))
    assert reading.read_state(client, Bookkeeping(client), []).resources[MODEL].resource_id == "mid"
    forbidden = HiddenFromSearch(403)
    client = MLCommonsClient(httpx.Client(transport=httpx.MockTransport(forbidden), base_url="http://t"))
    with pytest.raises(BackendError, match="You don't have permission to access this model"):
        reading.read_state(client, Bookkeeping(client), [])
    gone = HiddenFromSearch(404)
    client = MLCommonsClient(httpx.Client(transport=httpx.MockTransport(gone), base_url="http://t"))
    assert MODEL not in reading.read_state(client, Bookkeeping(client), []).resources
