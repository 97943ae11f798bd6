"""The read's fingerprint counts a searched document by its version, a document read by GET by content."""

from typing import Any

import httpx
import pytest
from readkit import NearRealTime

from mlgitops.backends.opensearch import reading, resources
from mlgitops.backends.opensearch.client import MLCommonsClient
from mlgitops.backends.opensearch.records import Bookkeeping
from mlgitops.model.resources import Kind


def owned_model(
    source: dict[str, Any], hit_fields: dict[str, Any], *, may_refresh: bool = True
) -> NearRealTime:
    """A cluster of one owned model: searches answer ``source`` and ``hit_fields``, GET ``live``."""
    cluster = NearRealTime(may_refresh=may_refresh)
    cluster.live = cluster.searchable = source
    cluster.hit_fields = hit_fields
    return cluster


def fingerprint(cluster: NearRealTime, touched: list[tuple[Kind, str]] | None = None) -> str:
    client = MLCommonsClient(httpx.Client(transport=httpx.MockTransport(cluster), base_url="http://t"))
    return reading.read_state(client, Bookkeeping(client), [], touched or []).fingerprint


DEPLOYED = {"name": "m", "model_state": "DEPLOYED"}
UNDEPLOYED = {"name": "m", "model_state": "UNDEPLOYED"}
VERSION = {"_seq_no": 3, "_primary_term": 1}


def test_a_searched_document_counts_by_its_version() -> None:
    assert fingerprint(owned_model(DEPLOYED, VERSION)) == fingerprint(owned_model(UNDEPLOYED, VERSION))
    assert fingerprint(owned_model(DEPLOYED, VERSION)) != fingerprint(
        owned_model(DEPLOYED, {**VERSION, "_seq_no": 4})
    )
    assert fingerprint(owned_model(DEPLOYED, VERSION)) != fingerprint(
        owned_model(DEPLOYED, {**VERSION, "_primary_term": 2})
    )


def test_without_a_version_the_document_counts() -> None:
    for partial in ({}, {"_seq_no": 3}, {"_seq_no": "3", "_primary_term": 1}):
        assert fingerprint(owned_model(DEPLOYED, partial)) != fingerprint(owned_model(UNDEPLOYED, partial))
    assert fingerprint(owned_model(DEPLOYED, {})) != fingerprint(owned_model(DEPLOYED, VERSION))


def test_a_document_read_again_by_get_counts_by_its_content(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without a refresh, a resource this run changed is read by GET: its search version is stale."""
    monkeypatch.setattr(reading.time, "sleep", lambda seconds: None)  # the wait for the next refresh
    stale, changed = (
        owned_model(DEPLOYED, VERSION, may_refresh=False),
        owned_model(DEPLOYED, VERSION, may_refresh=False),
    )
    changed.live = UNDEPLOYED
    touched = [(Kind.MODEL, "mid")]
    assert fingerprint(stale, touched) != fingerprint(changed, touched)


def test_read_all_gives_each_versioned_hit_its_version() -> None:
    cluster = owned_model(DEPLOYED, VERSION)
    client = MLCommonsClient(httpx.Client(transport=httpx.MockTransport(cluster), base_url="http://t"))
    versions: dict[str, str] = {}
    assert resources.read_all(client, Kind.MODEL, versions) == {"mid": DEPLOYED}
    assert versions == {"mid": "3:1"}
