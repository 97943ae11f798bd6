"""OpenSearch-shaped write responses (index/update/delete) and shared not-found helpers."""

from typing import Any

from mlgitops.engine.storage.store import Row
from mlgitops.errors import EngineError

SHARDS = {"total": 1, "successful": 1, "failed": 0}


def write_response(row: Row, result: str) -> dict[str, Any]:
    """A raw IndexResponse/UpdateResponse/DeleteResponse for ``row`` (ML Commons refreshes its deletes)."""
    response: dict[str, Any] = {"_index": row.index, "_id": row.id, "_version": row.version, "result": result}
    if result != "updated":
        response["forced_refresh"] = True
    response.update(_shards=dict(SHARDS), _seq_no=row.seq_no, _primary_term=1)
    return response


_TOKENS = (
    (bool, "VALUE_BOOLEAN"),
    (str, "VALUE_STRING"),
    (int | float, "VALUE_NUMBER"),
    (list, "START_ARRAY"),
)


class ParsingError(EngineError):
    """A ``parsing_exception``; ``field`` names the top-level body field, so the router can locate it."""

    def __init__(self, message: str, field: str | None) -> None:
        super().__init__(message, 400, "parsing_exception")
        self.field = field


def parsing_error(expected: str, value: Any, field: str | None = None) -> ParsingError:
    """OpenSearch's ``parsing_exception`` for a field of the wrong JSON kind (``expected``: a token name)."""
    found = (
        "VALUE_NULL"
        if value is None
        else next((token for kind, token in _TOKENS if isinstance(value, kind)), "START_OBJECT")
    )
    return ParsingError(
        f"Failed to parse object: expecting token of type [{expected}] but found [{found}]", field
    )


def not_found_delete(index: str, doc_id: str) -> dict[str, Any]:
    """The DeleteResponse for a document that does not exist (ML Commons answers it with HTTP 200)."""
    return {
        "_index": index,
        "_id": doc_id,
        "_version": 1,
        "result": "not_found",
        "forced_refresh": True,
        "_shards": dict(SHARDS),
        "_seq_no": 0,
        "_primary_term": 1,
    }


def public(source: dict[str, Any]) -> dict[str, Any]:
    """A stored document without the engine's private bookkeeping keys (``_engine*``)."""
    return {key: value for key, value in source.items() if not key.startswith("_engine")}
