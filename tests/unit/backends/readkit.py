"""Fake ML Commons clusters for the read path's tests: searches lag behind GET until a refresh."""

import json
from typing import Any

import httpx

from mlgitops.backends.opensearch.records import record_id, record_to_source
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
