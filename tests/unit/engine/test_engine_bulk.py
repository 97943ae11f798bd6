"""``_bulk`` on the document API: OpenSearch's item shapes, each item failing alone, NDJSON mistakes."""

import json

import httpx
from enginekit import error, ok

NDJSON = {"content-type": "application/x-ndjson"}


def _bulk(client: httpx.Client, lines: list[str], path: str = "/_bulk") -> httpx.Response:
    return client.post(path, content="".join(line + "\n" for line in lines), headers=NDJSON)


def test_items_succeed_or_fail_alone_in_order(client: httpx.Client) -> None:
    body = ok(
        _bulk(
            client,
            [
                '{"index": {"_index": "books", "_id": "b1"}}',
                '{"title": "one"}',
                '{"delete": {"_index": "books", "_id": "missing"}}',
                '{"create": {"_index": "books", "_id": "b1"}}',
                '{"title": "again"}',
                '{"index": {"_id": "b2"}}',
                '{"title": "two"}',
            ],
            "/books/_bulk?refresh=true",
        )
    )
    assert body["errors"] is True
    index, delete, create, second = (next(iter(item.items())) for item in body["items"])
    assert index == ("index", {**index[1], "_id": "b1", "result": "created", "status": 201})
    assert delete[0] == "delete" and delete[1]["result"] == "not_found" and delete[1]["status"] == 404
    assert create[0] == "create" and create[1]["status"] == 409
    assert create[1]["error"]["type"] == "version_conflict_engine_exception"
    assert second[1]["_index"] == "books" and second[1]["status"] == 201
    assert ok(client.get("/books/_doc/b1"))["_source"] == {"title": "one"}
    assert ok(client.get("/books/_doc/b2"))["_source"] == {"title": "two"}


def test_deletes_and_conditional_writes(client: httpx.Client) -> None:
    ok(client.put("/books/_doc/b1", json={"title": "one"}))
    seq_no = ok(client.get("/books/_doc/b1"))["_seq_no"]
    body = ok(
        _bulk(
            client,
            [
                json.dumps(
                    {"index": {"_index": "books", "_id": "b1", "if_seq_no": seq_no + 5, "if_primary_term": 1}}
                ),
                '{"title": "stale"}',
                '{"delete": {"_index": "books", "_id": "b1"}}',
            ],
        )
    )
    stale, deleted = (next(iter(item.values())) for item in body["items"])
    assert stale["status"] == 409 and deleted["result"] == "deleted" and deleted["status"] == 200
    assert client.get("/books/_doc/b1").status_code == 404


def test_malformed_bulk_bodies_are_400s(client: httpx.Client) -> None:
    unterminated = client.post("/_bulk", content='{"index": {"_index": "books"}}\n{"a": 1}', headers=NDJSON)
    assert "terminated by a newline" in error(unterminated, 400)
    assert "expected one of [create, delete, index, update]" in error(_bulk(client, ['{"upsert": {}}']), 400)
    assert "index is missing" in error(_bulk(client, ['{"index": {"_id": "x"}}', "{}"]), 400)
    assert "line [2]" in error(_bulk(client, ['{"index": {"_index": "books"}}', "{nope"]), 400)
