"""Paged searches: result window, sort on ``_seq_no`` with ``search_after``, sort values, totals."""

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from enginekit import error, ok

from mlgitops.engine import LocalEngine
from mlgitops.engine.http.transport import EngineTransport

WINDOW = 50


@pytest.fixture
def small(tmp_path: Path) -> Iterator[httpx.Client]:
    """An engine whose result window is 50, holding 120 documents in ``books``."""
    with LocalEngine(tmp_path / "engine", max_result_window=WINDOW) as engine:
        with engine.store.write() as tx:
            tx.create_index("books", 0)
            for number in range(120):
                source = {"type": "odd" if number % 2 else "even", "n": number}
                if number % 10:
                    source["shelf"] = f"s{number % 7}"
                tx.put("books", f"b{number:03d}", source)
        with httpx.Client(transport=EngineTransport(engine), base_url="http://engine") as client:
            yield client


def test_from_plus_size_past_the_window_is_a_400(small: httpx.Client) -> None:
    reason = error(small.post("/books/_search", json={"size": WINDOW + 1}), 400)
    assert f"less than or equal to: [{WINDOW}] but was [{WINDOW + 1}]" in reason
    reason = error(small.post("/books/_search", json={"from": 40, "size": 20}), 400)
    assert "[60]" in reason


def _page_all(client: httpx.Client, query: dict[str, object], size: int) -> list[dict[str, object]]:
    hits: list[dict[str, object]] = []
    body: dict[str, object] = {
        "query": query,
        "size": size,
        "sort": [{"_seq_no": "asc"}],
        "track_total_hits": False,
        "seq_no_primary_term": True,
    }
    while True:
        page = ok(client.post("/books/_search", json=body))["hits"]["hits"]
        hits.extend(page)
        if len(page) < size:
            return hits
        body["search_after"] = page[-1]["sort"]


def test_search_after_on_seq_no_reads_everything_past_the_window(small: httpx.Client) -> None:
    hits = _page_all(small, {"term": {"type": "odd"}}, 7)
    assert [hit["_source"]["n"] for hit in hits] == list(range(1, 120, 2))
    assert all(hit["sort"] == [hit["_seq_no"]] for hit in hits)
    assert len(_page_all(small, {"match_all": {}}, WINDOW)) == 120


def test_a_document_updated_while_paging_is_still_read(small: httpx.Client) -> None:
    body = {"size": 10, "sort": [{"_seq_no": "asc"}], "track_total_hits": False}
    first = ok(small.post("/books/_search", json=body))["hits"]["hits"]
    ok(small.put("/books/_doc/b100", json={"type": "even", "n": 100, "moved": True}))
    rest = _page_all_after(small, first[-1]["sort"])
    ids = [hit["_id"] for hit in first + rest]
    assert len(ids) == len(set(ids)) == 120
    assert rest[-1]["_id"] == "b100" and rest[-1]["_source"]["moved"] is True


def _page_all_after(client: httpx.Client, after: list[object]) -> list[dict[str, object]]:
    hits: list[dict[str, object]] = []
    while True:
        body = {"size": 10, "sort": [{"_seq_no": "asc"}], "search_after": after, "track_total_hits": False}
        page = ok(client.post("/books/_search", json=body))["hits"]["hits"]
        hits.extend(page)
        if len(page) < 10:
            return hits
        after = page[-1]["sort"]


def test_totals_follow_track_total_hits(small: httpx.Client) -> None:
    sort = [{"_seq_no": "asc"}]
    assert (
        "total"
        not in ok(small.post("/books/_search", json={"sort": sort, "track_total_hits": False}))["hits"]
    )
    exact = ok(small.post("/books/_search", json={"sort": sort, "track_total_hits": True}))["hits"]["total"]
    assert exact == {"value": 120, "relation": "eq"}
    capped = ok(small.post("/books/_search", json={"sort": sort, "track_total_hits": 30}))["hits"]["total"]
    assert capped == {"value": 30, "relation": "gte"}
    after = ok(small.post("/books/_search", json={"sort": sort, "search_after": [100]}))["hits"]
    assert after["total"] == {"value": 120, "relation": "eq"} and len(after["hits"]) == 10


def test_field_sorts_put_missing_values_last_and_page_with_search_after(small: httpx.Client) -> None:
    sort = [{"shelf.keyword": {"order": "desc"}}, {"n": "asc"}]
    body = {"size": WINDOW, "sort": sort}
    first = ok(small.post("/books/_search", json=body))["hits"]["hits"]
    assert first[0]["sort"] == ["s6", 6] and first[0]["_score"] is None
    rest = ok(small.post("/books/_search", json={**body, "search_after": first[-1]["sort"]}))["hits"]["hits"]
    third = ok(small.post("/books/_search", json={**body, "search_after": rest[-1]["sort"]}))["hits"]["hits"]
    everything = first + rest + third
    assert len(everything) == 120
    assert [hit["_source"]["n"] for hit in everything[-12:]] == list(range(0, 120, 10))
    assert all(hit["sort"][0] is None for hit in everything[-12:])


def test_search_after_mistakes_are_400s(small: httpx.Client) -> None:
    sort = [{"_seq_no": "asc"}]
    assert "but sort has 1" in error(
        small.post("/books/_search", json={"sort": sort, "search_after": [1, 2]}), 400
    )
    reason = error(small.post("/books/_search", json={"sort": sort, "search_after": [1], "from": 5}), 400)
    assert "`from` parameter must be set to 0" in reason
    assert "requires a sort" in error(small.post("/books/_search", json={"search_after": [1]}), 400)
