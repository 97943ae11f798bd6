"""A small OpenSearch query DSL evaluator: term, terms, match, prefix, ids, exists, bool."""

from collections.abc import Callable, Mapping
from typing import Any

from mlgitops.errors import EngineError

Source = Mapping[str, Any]


def field_values(source: Source, field: str) -> list[Any]:
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


def unwrap(spec: Any, key: str) -> Any:
    return spec.get(key) if isinstance(spec, Mapping) else spec


def single(clause: Any) -> tuple[str, Any]:
    if not isinstance(clause, Mapping) or len(clause) != 1:
        raise EngineError("[query] malformed query, expected a single field", 400, "parsing_exception")
    return next(iter(clause.items()))


def _term(spec: Source, source: Source, _id: str) -> bool:
    field, value = single(spec)
    return any(_same(v, unwrap(value, "value")) for v in field_values(source, field))


def _terms(spec: Source, source: Source, _id: str) -> bool:
    field, values = single(spec)
    if not isinstance(values, list):
        raise EngineError(
            f"[terms] query does not support [{field}] with a non-array value", 400, "parsing_exception"
        )
    return any(_same(v, w) for v in field_values(source, field) for w in values)


def _tokens(value: Any) -> set[str]:
    return {token for token in "".join(c if c.isalnum() else " " for c in str(value).lower()).split()}


def _match(spec: Source, source: Source, _id: str) -> bool:
    field, value = single(spec)
    wanted = _tokens(unwrap(value, "query"))
    return any(wanted & _tokens(v) for v in field_values(source, field))


def _match_phrase(spec: Source, source: Source, _id: str) -> bool:
    field, value = single(spec)
    wanted = str(unwrap(value, "query")).lower()
    return any(wanted in str(v).lower() for v in field_values(source, field))


def _prefix(spec: Source, source: Source, _id: str) -> bool:
    field, value = single(spec)
    wanted = str(unwrap(value, "value"))
    return any(str(v).startswith(wanted) for v in field_values(source, field))


def _ids(spec: Source, _source: Source, doc_id: str) -> bool:
    return doc_id in (spec.get("values") or [])


def _exists(spec: Source, source: Source, _id: str) -> bool:
    return bool(field_values(source, str(spec.get("field", ""))))


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


Predicate = Callable[[Source, str], bool]


def predicate(query: Source | None) -> Predicate | None:
    """``matches`` for one query, prepared once for the many rows of a search: None when all match.

    ``match_all`` and a well-formed ``term``/``terms`` query (the bookkeeping reads) skip the parsing
    per row; any other query is evaluated by ``matches`` row by row, errors included.
    """
    if not query:
        return None
    if isinstance(query, Mapping) and len(query) == 1:
        name, spec = next(iter(query.items()))
        if name == "match_all":
            return None
        if name in ("term", "terms") and isinstance(spec, Mapping) and len(spec) == 1:
            field, wanted = next(iter(spec.items()))
            values = [unwrap(wanted, "value")] if name == "term" else wanted
            if isinstance(field, str) and isinstance(values, list):
                return _any_value_of(field.removesuffix(".keyword").split("."), values)
    return lambda source, doc_id: matches(query, source, doc_id)


def _any_value_of(parts: list[str], values: list[Any]) -> Predicate:
    def test(source: Source, _id: str) -> bool:
        node: Any = source
        for part in parts:
            if not isinstance(node, Mapping) or part not in node:
                return False
            node = node[part]
        found = node if isinstance(node, list) else (node,)
        return any(_same(v, w) for v in found for w in values)

    return test


def matches(query: Source | None, source: Source, doc_id: str) -> bool:
    """True when the document satisfies the query (None means match_all)."""
    if not query:
        return True
    name, spec = single(query)
    handler = _QUERIES.get(name)
    if handler is None:
        raise EngineError(f"unknown query [{name}]", 400, "parsing_exception")
    return handler(spec or {}, source, doc_id)
