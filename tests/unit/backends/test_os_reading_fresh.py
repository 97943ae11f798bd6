"""Searches see a cluster's writes only after a refresh: resources just changed are read fresh."""

import json
from typing import Any

import httpx
import pytest

from mlgitops.backends.opensearch import reading
from mlgitops.backends.opensearch.client import MLCommonsClient
from mlgitops.backends.opensearch.records import Bookkeeping, record_id, record_to_source
from mlgitops.errors import BackendError
from mlgitops.model.resources import Kind, ResourceKey
from mlgitops.plan.state import OwnershipRecord

MODEL = ResourceKey(Kind.MODEL, "m")


class NearRealTime:
    """A cluster whose searches show the model as of the last refresh; GET is real time."""

    def __init__(self, *, may_refresh: bool) -> None:
        self.may_refresh = may_refresh
        self.live = {"name": "m", "model_state": "DEPLOYED"}
        self.searchable = {"name": "m", "model_state": "REGISTERED"}
        self.hit_fields: dict[str, Any] = {}  # beside the source in the model's search hit
        self.paths: list[str] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        self.paths.append(f"{request.method} {path}")
        if path.endswith("/_refresh"):
            if not self.may_refresh:
                return httpx.Response(403, json={"error": {"type": "security_exception", "reason": "no"}})
            self.searchable = dict(self.live)
            return httpx.Response(200, json={"_shards": {"total": 3, "successful": 3, "failed": 0}})
        if path == "/_cluster/settings":
            return httpx.Response(200, json={})
        if path == "/.mlgitops/_search":
            source = record_to_source(OwnershipRecord(MODEL, "mid"), 1)
            return httpx.Response(
                200, json={"hits": {"hits": [{"_id": record_id(MODEL), "_source": source, "sort": [0]}]}}
            )
        if path == "/_plugins/_ml/models/_search":
            hit = {"_id": "mid", "_source": self.searchable, "sort": [0], **self.hit_fields}
            return httpx.Response(200, json={"hits": {"hits": [hit]}})
        if path.endswith("/_search"):
            return httpx.Response(200, json={"hits": {"hits": []}})
        if path == "/_plugins/_ml/models/mid":
            return httpx.Response(200, json=self.live)
        return httpx.Response(404, json={"error": {"type": "not_found", "reason": json.dumps(path)}})


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
