"""OpenSearch-shaped write responses (index/update/delete) and shared not-found helpers."""

from typing import Any

from mlgitops.engine.storage.store import Row

SHARDS = {"total": 1, "successful": 1, "failed": 0}


def write_response(row: Row, result: str) -> dict[str, Any]:
    """A raw IndexResponse/UpdateResponse/DeleteResponse for ``row``."""
    return {
        "_index": row.index,
        "_id": row.id,
        "_version": row.version,
        "result": result,
        "forced_refresh": True,
        "_shards": dict(SHARDS),
        "_seq_no": row.seq_no,
        "_primary_term": 1,
    }


def not_found_delete(index: str, doc_id: str) -> dict[str, Any]:
    """The DeleteResponse for a document that does not exist (ML Commons answers it with HTTP 200)."""
    return {
        "_index": index,
        "_id": doc_id,
        "_version": 1,
        "result": "not_found",
        "_shards": dict(SHARDS),
        "_seq_no": 0,
        "_primary_term": 1,
    }


def public(source: dict[str, Any]) -> dict[str, Any]:
    """A stored document without the engine's private bookkeeping keys (``_engine*``)."""
    return {key: value for key, value in source.items() if not key.startswith("_engine")}
