"""SearchResponse bodies: sort, ``search_after``, ``from``/``size`` within the result window, totals.

A search sorted on ``_seq_no`` alone is answered by streaming rows in write order from the cursor
(``search_after``) and stopping once the page is full, so reading a whole index page by page costs
time linear in its size. Any other sort reads every row and sorts in memory.
"""

import functools
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from mlgitops.engine.storage.query import field_values, predicate, single, unwrap
from mlgitops.engine.storage.store import Row
from mlgitops.errors import EngineError

Source = Mapping[str, Any]
Fetch = Callable[[int], Iterable[Row]]
"""Rows of one index in write order, those with a sequence number above the argument."""
SortKey = tuple[str, bool]
MAX_RESULT_WINDOW = 10_000
DEFAULT_TRACK_TOTAL_HITS = 10_000


def _int_param(body: Source, params: Mapping[str, str], key: str, default: int) -> int:
    raw = params.get(key, body.get(key, default))
    try:
        return int(raw)
    except (TypeError, ValueError):
        raise EngineError(f"Failed to parse int parameter [{key}] with value [{raw}]") from None


def _sort_keys(body: Source) -> list[SortKey]:
    raw = body.get("sort") or []
    keys: list[SortKey] = []
    for item in raw if isinstance(raw, list) else [raw]:
        field, spec = (item, "asc") if isinstance(item, str) else single(item)
        order = unwrap(spec, "order") or "asc"
        if str(field) != "_score":
            keys.append((str(field), str(order).lower() == "desc"))
    return keys


def _value(row: Row, field: str) -> Any:
    if field == "_seq_no":
        return row.seq_no
    if field == "_id":
        return row.id
    found = field_values(row.source, field)
    return found[0] if found else None


def _typed(value: Any) -> tuple[int, float, str]:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return (0, float(value), "")
    return (1, 0.0, str(value))


def _compare(left: list[Any], right: list[Any], keys: list[SortKey]) -> int:
    """Order of two sort-value lists; a missing value sorts last whatever the order (``_last``)."""
    for a, b, (_, descending) in zip(left, right, keys, strict=True):
        if a is None or b is None:
            if a is None and b is None:
                continue
            return 1 if a is None else -1
        ta, tb = _typed(a), _typed(b)
        if ta != tb:
            order = -1 if ta < tb else 1
            return -order if descending else order
    return 0


def _search_after(body: Source, keys: list[SortKey], start: int) -> list[Any] | None:
    after = body.get("search_after")
    if after is None:
        return None
    if not isinstance(after, list) or not keys:
        raise EngineError(
            "[search_after] requires a sort and an array of sort values", 400, "parsing_exception"
        )
    if len(after) != len(keys):
        raise EngineError(f"search_after has {len(after)} value(s) but sort has {len(keys)}.")
    if start > 0:
        raise EngineError("`from` parameter must be set to 0 when `search_after` is used.")
    return list(after)


def _track_limit(body: Source, params: Mapping[str, str]) -> int | None:
    """How many hits to count: None for none (``track_total_hits: false``), -1 for all."""
    raw = params.get("track_total_hits", body.get("track_total_hits", DEFAULT_TRACK_TOTAL_HITS))
    text = str(raw).lower()
    if text == "false":
        return None
    if text == "true":
        return -1
    if not text.lstrip("-").isdigit():
        raise EngineError(f"Failed to parse int parameter [track_total_hits] with value [{raw}]")
    return int(text)


def _streamed(fetch: Fetch, query: Any, after: list[Any] | None, want: int) -> list[Row]:
    """The first ``want`` matches in ``_seq_no`` order after the cursor, reading no further."""
    page: list[Row] = []
    if want <= 0:
        return page
    test = predicate(query)
    for row in fetch(int(after[0]) if after else -1):
        if test is None or test(row.source, row.id):
            page.append(row)
            if len(page) >= want:
                break
    return page


def _count(fetch: Fetch, query: Any, limit: int) -> int:
    """Matches of the whole index, counting no further than ``limit + 1`` (all when ``limit`` is -1)."""
    counted = 0
    test = predicate(query)
    for row in fetch(-1):
        if test is None or test(row.source, row.id):
            counted += 1
            if 0 <= limit < counted:
                break
    return counted


def _sorted(
    fetch: Fetch, query: Any, keys: list[SortKey], after: list[Any] | None
) -> tuple[list[tuple[Row, list[Any]]], int]:
    test = predicate(query)
    hits = [
        (row, [_value(row, f) for f, _ in keys])
        for row in fetch(-1)
        if test is None or test(row.source, row.id)
    ]
    total = len(hits)
    if keys:

        def order(left: tuple[Row, list[Any]], right: tuple[Row, list[Any]]) -> int:
            return _compare(left[1], right[1], keys)

        hits.sort(key=functools.cmp_to_key(order))
    if after is not None:
        hits = [hit for hit in hits if _compare(hit[1], after, keys) > 0]
    return hits, total


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


def _hit(row: Row, source: dict[str, Any] | None, sort: list[Any] | None) -> dict[str, Any]:
    hit: dict[str, Any] = {
        "_index": row.index,
        "_id": row.id,
        "_version": row.version,
        "_seq_no": row.seq_no,
        "_primary_term": 1,
        "_score": None if sort else 1.0,
    }
    if source is not None:
        hit["_source"] = source
    if sort:
        hit["sort"] = sort
    return hit


def _window(body: Source, params: Mapping[str, str], window: int) -> tuple[int, int]:
    """``from`` and ``size``, refused past the result window as OpenSearch does."""
    start, size = _int_param(body, params, "from", 0), _int_param(body, params, "size", 10)
    if start < 0 or size < 0:
        raise EngineError(f"[{'from' if start < 0 else 'size'}] parameter cannot be negative")
    if start + size > window:
        raise EngineError(
            f"Result window is too large, from + size must be less than or equal to: [{window}] but was "
            f"[{start + size}]. See the scroll api for a more efficient way to request large data sets. "
            "This limit can be set by changing the [index.max_result_window] index level setting."
        )
    return start, size


def _total(counted: int, limit: int | None) -> dict[str, Any] | None:
    if limit is None:
        return None
    if 0 <= limit < counted:
        return {"value": limit, "relation": "gte"}
    return {"value": counted, "relation": "eq"}


def search(
    fetch: Fetch,
    body: Source | None,
    params: Mapping[str, str],
    present: Callable[[Row], dict[str, Any]] = lambda row: dict(row.source),
    *,
    window: int = MAX_RESULT_WINDOW,
) -> dict[str, Any]:
    """A standard SearchResponse over the rows ``fetch`` gives (``present`` shapes each ``_source``)."""
    body = body or {}
    query = body.get("query")
    start, size = _window(body, params, window)
    keys = _sort_keys(body)
    after = _search_after(body, keys, start)
    limit = _track_limit(body, params)
    if keys == [("_seq_no", False)]:
        rows = _streamed(fetch, query, after, start + size)[start:]
        page = [(row, [row.seq_no]) for row in rows]
        counted = _count(fetch, query, limit) if limit is not None else 0
    else:
        hits, counted = _sorted(fetch, query, keys, after)
        page = hits[start : start + size]
    hits_body: dict[str, Any] = {
        "max_score": 1.0 if (page or counted) and not keys else None,
        "hits": [
            _hit(row, _filter_source(present(row), body.get("_source")), values if keys else None)
            for row, values in page
        ],
    }
    total = _total(counted, limit)
    if total is not None:
        hits_body = {"total": total, **hits_body}
    return {
        "took": 0,
        "timed_out": False,
        "_shards": {"total": 1, "successful": 1, "skipped": 0, "failed": 0},
        "hits": hits_body,
    }
