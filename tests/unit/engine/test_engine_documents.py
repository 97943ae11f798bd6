"""The plain document API used for mlgitops' bookkeeping in index .mlgitops."""

import httpx
from enginekit import create_connector, error, ok

DOC = "/.mlgitops/_doc"


def test_index_get_update_delete(client: httpx.Client) -> None:
    created = client.put(f"{DOC}/owner:a", json={"kind": "Connector", "id": "x"})
    assert created.status_code == 201
    assert created.json()["result"] == "created"
    got = ok(client.get(f"{DOC}/owner:a"))
    assert got["found"] is True
    assert got["_source"] == {"kind": "Connector", "id": "x"}
    updated = client.post(f"{DOC}/owner:a", json={"kind": "Connector", "id": "y"})
    assert (updated.status_code, updated.json()["result"], updated.json()["_version"]) == (200, "updated", 2)
    assert ok(client.delete(f"{DOC}/owner:a"))["result"] == "deleted"
    missing = client.get(f"{DOC}/owner:a")
    assert (missing.status_code, missing.json()["found"]) == (404, False)
    gone = client.delete(f"{DOC}/owner:a")
    assert (gone.status_code, gone.json()["result"]) == (404, "not_found")


def test_auto_id(client: httpx.Client) -> None:
    response = client.post(DOC, json={"a": 1})
    assert response.status_code == 201
    assert len(response.json()["_id"]) == 20


def test_create_conflicts_when_present(client: httpx.Client) -> None:
    assert client.put("/.mlgitops/_create/lock", json={"holder": "a"}).status_code == 201
    response = client.put("/.mlgitops/_create/lock", json={"holder": "b"})
    assert response.status_code == 409
    assert response.json()["error"]["type"] == "version_conflict_engine_exception"
    assert ok(client.get(f"{DOC}/lock"))["_source"] == {"holder": "a"}
    assert client.put(f"{DOC}/lock", params={"op_type": "create"}, json={}).status_code == 409


def test_optimistic_concurrency(client: httpx.Client) -> None:
    first = client.put(f"{DOC}/journal", json={"n": 1}).json()
    seq = {"if_seq_no": str(first["_seq_no"]), "if_primary_term": "1"}
    assert client.put(f"{DOC}/journal", params=seq, json={"n": 2}).status_code == 200
    stale = client.put(f"{DOC}/journal", params=seq, json={"n": 3})
    assert stale.status_code == 409
    assert stale.json()["error"]["type"] == "version_conflict_engine_exception"
    assert "required seqNo" in stale.json()["error"]["reason"]
    assert ok(client.get(f"{DOC}/journal"))["_source"] == {"n": 2}
    missing = client.put(f"{DOC}/nothing", params=seq, json={})
    assert missing.status_code == 409


def test_search_and_index_api(client: httpx.Client) -> None:
    assert client.head("/.mlgitops").status_code == 404
    assert error(client.post("/.mlgitops/_search", json={}), 404) == "no such index [.mlgitops]"
    assert ok(client.put("/.mlgitops", json={"mappings": {}}))["acknowledged"] is True
    assert client.head("/.mlgitops").status_code == 200
    assert error(client.put("/.mlgitops"), 400) == "index [.mlgitops] already exists"
    for i in range(12):
        client.put(f"{DOC}/d{i}", json={"kind": "A" if i % 2 else "B", "n": i})
    ok(client.post("/.mlgitops/_refresh"))
    hits = ok(client.post("/.mlgitops/_search", json={"query": {"term": {"kind": "A"}}, "size": 100}))["hits"]
    assert hits["total"]["value"] == 6
    assert ok(client.get("/.mlgitops/_search"))["hits"]["total"]["value"] == 12
    assert len(ok(client.get("/.mlgitops/_search"))["hits"]["hits"]) == 10
    assert len(ok(client.get("/.mlgitops/_search", params={"size": "3"}))["hits"]["hits"]) == 3
    assert ok(client.delete("/.mlgitops")) == {"acknowledged": True}
    assert client.head("/.mlgitops").status_code == 404


def test_system_indices_are_read_only(client: httpx.Client) -> None:
    create_connector(client)
    assert client.put("/.plugins-ml-connector/_doc/x", json={}).status_code == 403
    assert client.delete("/.plugins-ml-connector").status_code == 403
    hits = ok(client.post("/.plugins-ml-connector/_search", json={}))["hits"]
    assert hits["total"]["value"] == 1
    assert "credential" not in hits["hits"][0]["_source"]


def test_search_sort_and_source_filtering(client: httpx.Client) -> None:
    for name, at in (("b", 2), ("a", 3), ("c", 1)):
        client.put(f"{DOC}/{name}", json={"name": name, "at": at, "secretish": "x"})
    body = {"sort": [{"at": {"order": "desc"}}], "_source": {"excludes": ["secretish"]}}
    hits = ok(client.post("/.mlgitops/_search", json=body))["hits"]["hits"]
    assert [hit["_id"] for hit in hits] == ["a", "b", "c"]
    assert hits[0]["_source"] == {"name": "a", "at": 3}
    hits = ok(client.post("/.mlgitops/_search", json={"sort": ["name"], "_source": False}))["hits"]["hits"]
    assert [hit["_id"] for hit in hits] == ["a", "b", "c"]
    assert "_source" not in hits[0]


def test_prefix_and_terms_queries(client: httpx.Client) -> None:
    for doc_id in ("intent:run1:1", "intent:run1:2", "intent:run2:1", "owner:x"):
        client.put(
            f"{DOC}/{doc_id}", json={"key": doc_id, "state": "pending" if "run1" in doc_id else "done"}
        )
    prefix = {"query": {"prefix": {"key": "intent:run1"}}}
    assert ok(client.post("/.mlgitops/_search", json=prefix))["hits"]["total"]["value"] == 2
    terms = {"query": {"terms": {"state": ["done", "missing"]}}}
    assert ok(client.post("/.mlgitops/_search", json=terms))["hits"]["total"]["value"] == 2


def test_a_non_integer_seq_no_is_a_400_not_a_conflict(client: httpx.Client) -> None:
    client.put(f"{DOC}/journal", json={"n": 1})
    bad = client.put(f"{DOC}/journal", params={"if_seq_no": "abc", "if_primary_term": "1"}, json={"n": 2})
    assert error(bad, 400) == "Failed to parse int parameter [if_seq_no] with value [abc]"
    assert ok(client.get(f"{DOC}/journal"))["_source"] == {"n": 1}


def test_malformed_search_bodies_are_400s(client: httpx.Client) -> None:
    client.put(f"{DOC}/a", json={"n": 1})
    terms = client.post("/.mlgitops/_search", json={"query": {"terms": {"n": 1}}})
    assert error(terms, 400) == "[terms] query does not support [n] with a non-array value"
    source = client.post("/.mlgitops/_search", json={"_source": 5})
    assert error(source, 400) == "[_source] must be a boolean, a string, an array or an object"
    assert ok(client.post("/.mlgitops/_search", json={"query": {"terms": {"n": [1]}}}))["hits"]["total"] == {
        "value": 1,
        "relation": "eq",
    }
