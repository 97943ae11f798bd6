"""Paged reads past ties in the sort value, and bookkeeping writes batched into ``_bulk`` requests."""

import json
import threading

import httpx
import pytest

from mlgitops.backends.opensearch import dependents
from mlgitops.backends.opensearch.batching import GroupWriter
from mlgitops.backends.opensearch.client import BulkOperation, MLCommonsClient
from mlgitops.errors import BackendConflictError
from mlgitops.model.resources import Kind


class TwoShards:
    """A fake ``_search``: documents from two shards, so sequence numbers repeat (ties across shards)."""

    def __init__(self, count: int) -> None:
        self.docs = [(f"d{n}", n // 2) for n in range(count)]  # d0/d1 share seq 0, d2/d3 seq 1...
        self.bodies: list[dict[str, object]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        self.bodies.append(body)
        after = body.get("search_after", [-1])[0]
        page = [(i, s) for i, s in self.docs if s > after][: body["size"]]
        hits = [{"_id": i, "_seq_no": s, "_source": {"n": i}, "sort": [s]} for i, s in page]
        return httpx.Response(200, json={"hits": {"hits": hits}})


def test_scan_reads_every_document_when_a_page_ends_inside_a_tie() -> None:
    shards = TwoShards(25)
    client = MLCommonsClient(httpx.Client(transport=httpx.MockTransport(shards), base_url="http://t"))
    hits = client.scan("/idx/_search", {"match_all": {}}, page_size=5)  # odd pages split the d2k/d2k+1 pairs
    assert sorted(hit["_id"] for hit in hits) == sorted(i for i, _ in shards.docs)
    assert all(
        body["sort"] == [{"_seq_no": "asc"}] and body["track_total_hits"] is False for body in shards.bodies
    )
    cursors = [body.get("search_after", [None])[0] for body in shards.bodies]
    assert cursors == sorted(cursors, key=lambda c: -1 if c is None else c) and len(set(cursors)) == len(
        cursors
    )


@pytest.mark.parametrize("search", ["search_model_groups", "search_connectors", "search_models"])
def test_searches_by_kind_return_every_hit_past_one_page(search: str) -> None:
    """Recovery finds orphans by name with these: a page-sized cap would leave some behind."""
    shards = TwoShards(2 * 1000 + 7)
    client = MLCommonsClient(httpx.Client(transport=httpx.MockTransport(shards), base_url="http://t"))
    hits = getattr(client, search)({"term": {"name.keyword": "same"}})
    assert len({hit["_id"] for hit in hits}) == len(shards.docs)
    assert len(shards.bodies) > 1 and all(
        body["query"] == {"term": {"name.keyword": "same"}} for body in shards.bodies
    )


class BulkTarget:
    """A fake ``_bulk``: records each request; ``conflict`` ids fail with 409; the first request is held."""

    def __init__(self) -> None:
        self.requests: list[list[dict[str, object]]] = []
        self.release = threading.Event()
        self.conflict = {"bad"}

    def __call__(self, request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/_bulk" and request.headers["content-type"] == "application/x-ndjson"
        lines = [json.loads(line) for line in request.content.decode().splitlines()]
        self.requests.append(lines)
        if len(self.requests) == 1:
            self.release.wait(5)
        items = []
        for line in lines:
            action, meta = next(iter(line.items())) if len(line) == 1 else (None, None)
            if action in ("index", "delete"):
                failed = meta["_id"] in self.conflict
                item = {"_id": meta["_id"], "status": 409 if failed else 200}
                if failed:
                    item["error"] = {"type": "version_conflict_engine_exception", "reason": "conflict"}
                items.append({action: item})
        return httpx.Response(200, json={"errors": False, "items": items})


def test_concurrent_writers_share_bulk_requests_and_fail_alone() -> None:
    target = BulkTarget()
    writer = GroupWriter(
        MLCommonsClient(httpx.Client(transport=httpx.MockTransport(target), base_url="http://t"))
    )
    errors: dict[str, BaseException] = {}

    def write(doc_id: str) -> None:
        try:
            writer.write(
                [
                    BulkOperation("index", ".mlgitops", doc_id, {"n": doc_id}),
                    BulkOperation("delete", ".mlgitops", f"{doc_id}-old"),
                ]
            )
        except BackendConflictError as exc:
            errors[doc_id] = exc

    first = threading.Thread(target=write, args=("first",))
    first.start()
    while not target.requests:
        threading.Event().wait(0.01)
    others = [threading.Thread(target=write, args=(name,)) for name in ("a", "b", "bad", "c")]
    for thread in others:
        thread.start()
    threading.Event().wait(0.2)  # all four are queued behind the request in flight
    target.release.set()
    for thread in [first, *others]:
        thread.join(5)
    assert len(target.requests) == 2
    second = [
        next(iter(line.values()))["_id"] for line in target.requests[1] if len(line) == 1 and "n" not in line
    ]
    assert sorted(second) == sorted(["a", "a-old", "b", "b-old", "bad", "bad-old", "c", "c-old"])
    assert list(errors) == ["bad"] and "conflict" in str(errors["bad"])


def test_a_failed_bulk_request_fails_every_waiting_writer() -> None:
    def refuse(_request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            400, json={"error": {"type": "illegal_argument_exception", "reason": "no"}, "status": 400}
        )

    writer = GroupWriter(
        MLCommonsClient(httpx.Client(transport=httpx.MockTransport(refuse), base_url="http://t"))
    )
    with pytest.raises(Exception, match="HTTP 400"):
        writer.write([BulkOperation("delete", ".mlgitops", "x")])


def ids_of(request: list[dict[str, object]]) -> list[str]:
    return [
        str(meta["_id"])
        for line in request
        if len(line) == 1
        for meta in line.values()
        if isinstance(meta, dict)
    ]


def test_posted_writes_go_out_in_the_background_before_later_writes_and_flush_reports_failures() -> None:
    target = BulkTarget()
    writer = GroupWriter(
        MLCommonsClient(httpx.Client(transport=httpx.MockTransport(target), base_url="http://t"))
    )
    writer.post([BulkOperation("index", ".mlgitops", "record:a", {"n": 1})])  # returns at once
    while not target.requests:  # sent without anyone waiting: held in flight by the target
        threading.Event().wait(0.01)
    writer.post([BulkOperation("index", ".mlgitops", "bad", {"n": 2})])
    later = threading.Thread(target=writer.write, args=([BulkOperation("delete", ".mlgitops", "record:a")],))
    later.start()
    threading.Event().wait(0.1)
    target.release.set()
    later.join(5)
    with pytest.raises(BackendConflictError, match="bad"):
        writer.flush()
    writer.flush()  # a failure is reported once
    assert [ids_of(request) for request in target.requests] == [["record:a"], ["bad", "record:a"]]


class NamedAgents(TwoShards):
    """Agents that all share one name, more than one page of them."""

    def __call__(self, request: httpx.Request) -> httpx.Response:
        response = super().__call__(request)
        hits = response.json()["hits"]["hits"]
        for hit in hits:
            hit["_source"] = {"name": "same", "created_time": hit["_seq_no"]}
        return httpx.Response(200, json={"hits": {"hits": hits}})


def test_agents_found_by_name_are_every_one_past_one_page() -> None:
    agents = NamedAgents(2 * 1000 + 7)
    client = MLCommonsClient(httpx.Client(transport=httpx.MockTransport(agents), base_url="http://t"))
    found = dependents.find_by_name(client, Kind.AGENT, "same")
    assert len({agent_id for agent_id, _ in found}) == len(agents.docs)
    assert [doc["created_time"] for _, doc in found] == sorted(doc["created_time"] for _, doc in found)


def test_posts_within_the_linger_share_one_request_and_flush_does_not_wait_for_it() -> None:
    target = BulkTarget()
    target.release.set()
    writer = GroupWriter(
        MLCommonsClient(httpx.Client(transport=httpx.MockTransport(target), base_url="http://t")), linger=0.2
    )
    for n in range(5):
        writer.post([BulkOperation("index", ".mlgitops", f"record:{n}", {"n": n})])
    threading.Event().wait(0.4)  # the background flush went out once, after the linger
    assert [ids_of(request) for request in target.requests] == [[f"record:{n}" for n in range(5)]]
    writer.post([BulkOperation("index", ".mlgitops", "record:late", {"n": 5})])
    writer.flush()  # sends it now, not after the linger
    assert ids_of(target.requests[-1]) == ["record:late"]


def test_a_posted_delete_cancels_the_posted_index_still_queued_but_not_one_sent_or_written_over() -> None:
    target = BulkTarget()
    target.release.set()
    writer = GroupWriter(
        MLCommonsClient(httpx.Client(transport=httpx.MockTransport(target), base_url="http://t")), linger=5
    )
    writer.post([BulkOperation("index", ".mlgitops", "intent:1", {"n": 1})])
    writer.post([BulkOperation("index", ".mlgitops", "record:a", {"n": 1})])
    writer.post([BulkOperation("index", ".mlgitops", "record:b", {"n": 1})])
    writer.write([BulkOperation("index", ".mlgitops", "record:b", {"n": 2})])  # takes the queue along
    writer.post([BulkOperation("index", ".mlgitops", "intent:2", {"n": 1})])
    writer.post([BulkOperation("index", ".mlgitops", "intent:3", {"n": 1})])
    writer.write([BulkOperation("index", ".mlgitops", "intent:3", {"n": 2})])  # must land before a delete
    writer.post([BulkOperation("index", ".mlgitops", "intent:4", {"n": 1})])
    writer.post(
        [
            BulkOperation("index", ".mlgitops", "record:c", {"n": 1}),
            BulkOperation("delete", ".mlgitops", "intent:1"),  # already sent: the delete goes out
            BulkOperation("delete", ".mlgitops", "intent:2"),  # sent with the write of intent:3
            BulkOperation("delete", ".mlgitops", "intent:4"),  # still queued: neither is sent
        ]
    )
    writer.post([BulkOperation("delete", ".mlgitops", "intent:3")])
    writer.flush()
    assert [ids_of(request) for request in target.requests] == [
        ["intent:1", "record:a", "record:b", "record:b"],
        ["intent:2", "intent:3", "intent:3"],
        ["record:c", "intent:1", "intent:2", "intent:3"],
    ]
