"""A small OpenSearch query DSL evaluator (term, match, bool...) and SearchResponse bodies."""

import functools
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from mlgitops.engine.storage.store import Row
from mlgitops.errors import EngineError

Source = Mapping[str, Any]


def _field_values(source: Source, field: str) -> list[Any]:
    field = field.removesuffix(".keyword")
    node: Any = source
    for part in field.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return []
        node = node[part]
    return list(node) if isinstance(node, list) else [node]


def _same(stored: Any, wanted: Any) -> bool:
    if isinstance(stored, bool) or isinstance(wanted, bool):
        return str(stored).lower() == str(wanted).lower()
    return stored == wanted or str(stored) == str(wanted)


def _unwrap(spec: Any, key: str) -> Any:
    return spec.get(key) if isinstance(spec, Mapping) else spec


def _single(clause: Any) -> tuple[str, Any]:
    if not isinstance(clause, Mapping) or len(clause) != 1:
        raise EngineError("[query] malformed query, expected a single field", 400, "parsing_exception")
    return next(iter(clause.items()))


def _term(spec: Source, source: Source, _id: str) -> bool:
    field, value = _single(spec)
    return any(_same(v, _unwrap(value, "value")) for v in _field_values(source, field))


def _terms(spec: Source, source: Source, _id: str) -> bool:
    field, values = _single(spec)
    if not isinstance(values, list):
        raise EngineError(
            f"[terms] query does not support [{field}] with a non-array value", 400, "parsing_exception"
        )
    return any(_same(v, w) for v in _field_values(source, field) for w in values)


def _tokens(value: Any) -> set[str]:
    return {token for token in "".join(c if c.isalnum() else " " for c in str(value).lower()).split()}


def _match(spec: Source, source: Source, _id: str) -> bool:
    field, value = _single(spec)
    wanted = _tokens(_unwrap(value, "query"))
    return any(wanted & _tokens(v) for v in _field_values(source, field))


def _match_phrase(spec: Source, source: Source, _id: str) -> bool:
    field, value = _single(spec)
    wanted = str(_unwrap(value, "query")).lower()
    return any(wanted in str(v).lower() for v in _field_values(source, field))


def _prefix(spec: Source, source: Source, _id: str) -> bool:
    field, value = _single(spec)
    wanted = str(_unwrap(value, "value"))
    return any(str(v).startswith(wanted) for v in _field_values(source, field))


def _ids(spec: Source, _source: Source, doc_id: str) -> bool:
    return doc_id in (spec.get("values") or [])


def _exists(spec: Source, source: Source, _id: str) -> bool:
    return bool(_field_values(source, str(spec.get("field", ""))))


def _clauses(spec: Source, key: str) -> list[Source]:
    value = spec.get(key) or []
    return list(value) if isinstance(value, list) else [value]


def _bool(spec: Source, source: Source, doc_id: str) -> bool:
    required = _clauses(spec, "must") + _clauses(spec, "filter")
    if not all(matches(q, source, doc_id) for q in required):
        return False
    if any(matches(q, source, doc_id) for q in _clauses(spec, "must_not")):
        return False
    should = _clauses(spec, "should")
    minimum = int(spec.get("minimum_should_match", 0 if required else 1))
    return not should or sum(matches(q, source, doc_id) for q in should) >= minimum


_QUERIES: dict[str, Callable[[Source, Source, str], bool]] = {
    "match_all": lambda _spec, _source, _id: True,
    "term": _term,
    "terms": _terms,
    "match": _match,
    "match_phrase": _match_phrase,
    "prefix": _prefix,
    "ids": _ids,
    "exists": _exists,
    "bool": _bool,
}


def matches(query: Source | None, source: Source, doc_id: str) -> bool:
    """True when the document satisfies the query (None means match_all)."""
    if not query:
        return True
    name, spec = _single(query)
    handler = _QUERIES.get(name)
    if handler is None:
        raise EngineError(f"unknown query [{name}]", 400, "parsing_exception")
    return handler(spec or {}, source, doc_id)


def _int_param(body: Source, params: Mapping[str, str], key: str, default: int) -> int:
    raw = params.get(key, body.get(key, default))
    try:
        return int(raw)
    except (TypeError, ValueError):
        raise EngineError(f"Failed to parse int parameter [{key}] with value [{raw}]") from None


def _sort_keys(body: Source) -> list[tuple[str, bool]]:
    raw = body.get("sort") or []
    keys: list[tuple[str, bool]] = []
    for item in raw if isinstance(raw, list) else [raw]:
        field, spec = (item, "asc") if isinstance(item, str) else _single(item)
        order = _unwrap(spec, "order") or "asc"
        keys.append((str(field), str(order).lower() == "desc"))
    return keys


def _sort_value(row: Row, field: str) -> tuple[int, float, str]:
    value = _field_values(row.source, field)[0]
    if isinstance(value, int | float) and not isinstance(value, bool):
        return (0, float(value), "")
    return (1, 0.0, str(value))


def _sorted(rows: list[Row], body: Source) -> list[Row]:
    for field, descending in reversed(_sort_keys(body)):
        present = [row for row in rows if _field_values(row.source, field)]
        missing = [row for row in rows if not _field_values(row.source, field)]
        present.sort(key=functools.partial(_sort_value, field=field), reverse=descending)
        rows = present + missing
    return rows


def _filter_source(source: dict[str, Any], spec: Any) -> dict[str, Any] | None:
    if spec is None or spec is True:
        return source
    if spec is False:
        return None
    if not isinstance(spec, list | str | dict):
        raise EngineError(
            "[_source] must be a boolean, a string, an array or an object", 400, "parsing_exception"
        )
    includes = spec if isinstance(spec, list | str) else spec.get("includes") or spec.get("include") or []
    excludes = [] if isinstance(spec, list | str) else spec.get("excludes") or spec.get("exclude") or []
    includes = [includes] if isinstance(includes, str) else includes
    kept = {k: v for k, v in source.items() if not includes or k in includes}
    return {k: v for k, v in kept.items() if k not in excludes}


def _hit(row: Row, source: dict[str, Any] | None) -> dict[str, Any]:
    hit: dict[str, Any] = {
        "_index": row.index,
        "_id": row.id,
        "_version": row.version,
        "_seq_no": row.seq_no,
        "_primary_term": 1,
        "_score": 1.0,
    }
    if source is not None:
        hit["_source"] = source
    return hit


def search(
    rows: Iterable[Row],
    body: Source | None,
    params: Mapping[str, str],
    present: Callable[[Row], dict[str, Any]] = lambda row: dict(row.source),
) -> dict[str, Any]:
    """A standard SearchResponse over ``rows`` (``present`` shapes each ``_source``)."""
    body = body or {}
    query = body.get("query")
    hits = _sorted([row for row in rows if matches(query, row.source, row.id)], body)
    start, size = _int_param(body, params, "from", 0), _int_param(body, params, "size", 10)
    page = hits[start : start + size]
    return {
        "took": 0,
        "timed_out": False,
        "_shards": {"total": 1, "successful": 1, "skipped": 0, "failed": 0},
        "hits": {
            "total": {"value": len(hits), "relation": "eq"},
            "max_score": 1.0 if hits else None,
            "hits": [_hit(row, _filter_source(present(row), body.get("_source"))) for row in page],
        },
    }
