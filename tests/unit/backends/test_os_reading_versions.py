"""The read's fingerprint counts a searched document by its version, a document read by GET by content."""

from typing import Any

import httpx
import pytest

from mlgitops.backends.opensearch import reading, resources
from mlgitops.backends.opensearch.client import MLCommonsClient
from mlgitops.backends.opensearch.records import Bookkeeping, record_id, record_to_source
from mlgitops.model.resources import Kind, ResourceKey
from mlgitops.plan.state import OwnershipRecord

MODEL = ResourceKey(Kind.MODEL, "m")


class Cluster:
    """One owned model; searches answer ``hit_fields`` beside its source, GET answers ``live``."""

    def __init__(
        self, source: dict[str, Any], hit_fields: dict[str, Any], *, may_refresh: bool = True
    ) -> None:
        self.source = source
        self.hit_fields = hit_fields
        self.live = source
        self.may_refresh = may_refresh

    def __call__(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path.endswith("/_refresh"):
            status = 200 if self.may_refresh else 403
            return httpx.Response(status, json={"error": {"type": "security_exception", "reason": "no"}})
        if path == "/_cluster/settings":
            return httpx.Response(200, json={})
        if path == "/.mlgitops/_search":
            source = record_to_source(OwnershipRecord(MODEL, "mid"), 1)
            return httpx.Response(
                200, json={"hits": {"hits": [{"_id": record_id(MODEL), "_source": source, "sort": [0]}]}}
            )
        if path == "/_plugins/_ml/models/_search":
            hit = {"_id": "mid", "_source": self.source, "sort": [3], **self.hit_fields}
            return httpx.Response(200, json={"hits": {"hits": [hit]}})
        if path.endswith("/_search"):
            return httpx.Response(200, json={"hits": {"hits": []}})
        return httpx.Response(200, json=self.live)


def fingerprint(cluster: Cluster, touched: list[tuple[Kind, str]] | None = None) -> str:
    client = MLCommonsClient(httpx.Client(transport=httpx.MockTransport(cluster), base_url="http://t"))
    return reading.read_state(client, Bookkeeping(client), [], touched or []).fingerprint


DEPLOYED = {"name": "m", "model_state": "DEPLOYED"}
UNDEPLOYED = {"name": "m", "model_state": "UNDEPLOYED"}
VERSION = {"_seq_no": 3, "_primary_term": 1}


def test_a_searched_document_counts_by_its_version() -> None:
    assert fingerprint(Cluster(DEPLOYED, VERSION)) == fingerprint(Cluster(UNDEPLOYED, VERSION))
    assert fingerprint(Cluster(DEPLOYED, VERSION)) != fingerprint(
        Cluster(DEPLOYED, {**VERSION, "_seq_no": 4})
    )
    assert fingerprint(Cluster(DEPLOYED, VERSION)) != fingerprint(
        Cluster(DEPLOYED, {**VERSION, "_primary_term": 2})
    )


def test_without_a_version_the_document_counts() -> None:
    for partial in ({}, {"_seq_no": 3}, {"_seq_no": "3", "_primary_term": 1}):
        assert fingerprint(Cluster(DEPLOYED, partial)) != fingerprint(Cluster(UNDEPLOYED, partial))
    assert fingerprint(Cluster(DEPLOYED, {})) != fingerprint(Cluster(DEPLOYED, VERSION))


def test_a_document_read_again_by_get_counts_by_its_content(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without a refresh, a resource this run changed is read by GET: its search version is stale."""
    monkeypatch.setattr(reading.time, "sleep", lambda seconds: None)  # the wait for the next refresh
    stale, changed = (
        Cluster(DEPLOYED, VERSION, may_refresh=False),
        Cluster(DEPLOYED, VERSION, may_refresh=False),
    )
    changed.live = UNDEPLOYED
    touched = [(Kind.MODEL, "mid")]
    assert fingerprint(stale, touched) != fingerprint(changed, touched)


def test_read_all_gives_each_versioned_hit_its_version() -> None:
    cluster = Cluster(DEPLOYED, VERSION)
    client = MLCommonsClient(httpx.Client(transport=httpx.MockTransport(cluster), base_url="http://t"))
    versions: dict[str, str] = {}
    assert resources.read_all(client, Kind.MODEL, versions) == {"mid": DEPLOYED}
    assert versions == {"mid": "3:1"}
