"""A query prepared once for a search matches exactly the rows the per-row evaluation matches."""

from typing import Any

import pytest

from mlgitops.engine.storage.query import matches, predicate
from mlgitops.errors import EngineError

SOURCES: list[dict[str, Any]] = [
    {"type": "record", "kind": "Connector"},
    {"type": "intent", "n": 1},
    {"type": "lock"},
    {"type": ["record", "x"]},
    {"type": True, "n": "1"},
    {"type": None},
    {"meta": {"type": "record"}},
    {"meta": "record"},
    {},
]

QUERIES: list[dict[str, Any]] = [
    {"match_all": {}},
    {"match_all": {"boost": 2}},
    {"terms": {"type": ["record", "intent"]}},
    {"terms": {"type.keyword": ["lock"]}},
    {"terms": {"type": [True]}},
    {"terms": {"n": [1]}},
    {"terms": {"meta.type": ["record"]}},
    {"terms": {"type": []}},
    {"term": {"type": "record"}},
    {"term": {"type": {"value": "true"}}},
    {"term": {"n": 1}},
    {"bool": {"must": [{"term": {"type": "record"}}], "must_not": [{"terms": {"kind": ["Model"]}}]}},
    {"prefix": {"type": "rec"}},
]


@pytest.mark.parametrize("query", QUERIES, ids=[str(query) for query in QUERIES])
def test_prepared_queries_match_the_rows_matches_matches(query: dict[str, Any]) -> None:
    test = predicate(query)
    for number, source in enumerate(SOURCES):
        expected = matches(query, source, f"id{number}")
        assert (test is None or test(source, f"id{number}")) is expected, source


def test_match_all_and_no_query_need_no_test_per_row() -> None:
    assert predicate(None) is None
    assert predicate({}) is None
    assert predicate({"match_all": {}}) is None


@pytest.mark.parametrize(
    "query",
    [{"terms": {"type": "record"}}, {"terms": {"a": [1], "b": [2]}}, {"nope": {}}, {"term": {}}],
    ids=["terms-not-a-list", "terms-two-fields", "unknown", "term-empty"],
)
def test_a_malformed_query_is_refused_as_before(query: dict[str, Any]) -> None:
    test = predicate(query)
    assert test is not None
    with pytest.raises(EngineError):
        test({"type": "record"}, "id")
    with pytest.raises(EngineError):
        matches(query, {"type": "record"}, "id")
