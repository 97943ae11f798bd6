"""The plain OpenSearch document API for mlgitops' own bookkeeping (index ``.mlgitops`` and others)."""

from collections.abc import Mapping
from typing import Any

from mlgitops.engine.resources.responses import SHARDS, write_response
from mlgitops.engine.storage import ids, searching
from mlgitops.engine.storage.store import SYSTEM_TABLES, Store, Transaction
from mlgitops.errors import EngineError

SYSTEM_PREFIX = ".plugins-ml-"
# A new index has one replica, which a single node cannot assign: writes report two shard copies.
DOC_SHARDS = {"total": 2, "successful": 1, "failed": 0}
_HIT_EXTRAS = (("seq_no_primary_term", ("_seq_no", "_primary_term")), ("version", ("_version",)))


def _index_missing(index: str) -> EngineError:
    details: dict[str, object] = {
        "resource.type": "index_expression",
        "resource.id": index,
        "index_uuid": "_na_",
        "index": index,
    }
    return EngineError(f"no such index [{index}]", 404, "index_not_found_exception", details)


def _conflict(index: str, doc_id: str, detail: str) -> EngineError:
    return EngineError(
        f"[{doc_id}]: version conflict, {detail}",
        409,
        "version_conflict_engine_exception",
        {"index": index, "shard": "0", "index_uuid": ids.index_uuid(index)},
    )


def _doc_response(row: Any, result: str) -> dict[str, Any]:
    return {**write_response(row, result), "forced_refresh": True, "_shards": dict(DOC_SHARDS)}


def _check_writable(index: str) -> None:
    if index.startswith(SYSTEM_PREFIX):
        raise EngineError(
            f"writing to the system index [{index}] through the document API is not allowed",
            403,
            "security_exception",
        )
    if not index or index.startswith(("_", "-", "+")) or index != index.lower():
        raise EngineError(
            f"Invalid index name [{index}], must be lowercase and must not start with '_', '-', or '+'",
            400,
            "invalid_index_name_exception",
        )


class Documents:
    """``/{index}/_doc``, ``_create``, ``_search``, index create/exists/delete, ``_refresh``."""

    def __init__(self, store: Store, *, max_result_window: int = searching.MAX_RESULT_WINDOW) -> None:
        self._store = store
        self._window = max_result_window

    def _exists(self, tx: Transaction, index: str) -> bool:
        return index in SYSTEM_TABLES or tx.has_index(index)

    def index(
        self,
        index: str,
        doc_id: str | None,
        body: dict[str, Any] | None,
        params: Mapping[str, str],
        *,
        create_only: bool = False,
    ) -> tuple[int, dict[str, Any]]:
        """Index a document; returns (HTTP status, IndexResponse)."""
        _check_writable(index)
        if not isinstance(body, dict):
            raise EngineError("request body is required", 400, "action_request_validation_exception")
        doc_id = doc_id or ids.new_id()
        create_only = create_only or params.get("op_type") == "create"
        with self._store.write() as tx:
            tx.create_index(index, ids.now_ms())
            existing = tx.get(index, doc_id)
            if create_only and existing is not None:
                raise _conflict(
                    index, doc_id, f"document already exists (current version [{existing.version}])"
                )
            self._check_seq_no(index, doc_id, existing, params)
            row = tx.put(index, doc_id, body)
        return (
            (201, _doc_response(row, "created")) if existing is None else (200, _doc_response(row, "updated"))
        )

    @staticmethod
    def _check_seq_no(index: str, doc_id: str, existing: Any, params: Mapping[str, str]) -> None:
        if "if_seq_no" not in params and "if_primary_term" not in params:
            return
        wanted_seq, wanted_term = params.get("if_seq_no", "-2"), params.get("if_primary_term", "0")
        for key, value in (("if_seq_no", wanted_seq), ("if_primary_term", wanted_term)):
            if not value.lstrip("-").isdigit():
                raise EngineError(f"Failed to parse int parameter [{key}] with value [{value}]")
        required = f"required seqNo [{wanted_seq}], primary term [{wanted_term}]"
        if existing is None:
            raise _conflict(index, doc_id, f"{required}. but no document was found")
        if str(existing.seq_no) != wanted_seq or wanted_term != "1":
            raise _conflict(
                index,
                doc_id,
                f"{required}. current document has seqNo [{existing.seq_no}] and primary term [1]",
            )

    def get(self, index: str, doc_id: str) -> tuple[int, dict[str, Any]]:
        """GET a document -> (200, found) or (404, found:false)."""
        with self._store.read() as tx:
            if not self._exists(tx, index):
                raise _index_missing(index)
            row = tx.get(index, doc_id)
        if row is None:
            return 404, {"_index": index, "_id": doc_id, "found": False}
        return 200, {
            "_index": index,
            "_id": doc_id,
            "_version": row.version,
            "_seq_no": row.seq_no,
            "_primary_term": 1,
            "found": True,
            "_source": row.source,
        }

    def delete(self, index: str, doc_id: str, params: Mapping[str, str]) -> tuple[int, dict[str, Any]]:
        """DELETE a document -> (200, deleted) or (404, not_found)."""
        _check_writable(index)
        with self._store.write() as tx:
            if not self._exists(tx, index):
                raise _index_missing(index)
            existing = tx.get(index, doc_id)
            self._check_seq_no(index, doc_id, existing, params)
            row = tx.delete(index, doc_id)
        if row is None:
            return 404, {
                "_index": index,
                "_id": doc_id,
                "_version": 1,
                "result": "not_found",
                "forced_refresh": True,
                "_shards": dict(DOC_SHARDS),
                "_seq_no": -2,
                "_primary_term": 0,
            }
        return 200, _doc_response(row, "deleted")

    def search(self, index: str, body: dict[str, Any] | None, params: Mapping[str, str]) -> dict[str, Any]:
        """``_search`` on a document index (system indices are readable too)."""
        with self._store.read() as tx:
            if not self._exists(tx, index):
                raise _index_missing(index)
            found = searching.search(lambda after: tx.rows(index, after), body, params, window=self._window)
        wanted = body or {}
        hidden = [key for flag, keys in _HIT_EXTRAS if wanted.get(flag) is not True for key in keys]
        for hit in found["hits"]["hits"]:
            for key in hidden:
                hit.pop(key, None)
        return found

    def exists(self, index: str) -> bool:
        """``HEAD /{index}``."""
        with self._store.read() as tx:
            return self._exists(tx, index)

    def describe_index(self, index: str) -> dict[str, Any]:
        """``GET /{index}``: empty aliases, mappings and settings."""
        if not self.exists(index):
            raise _index_missing(index)
        return {index: {"aliases": {}, "mappings": {}, "settings": {}}}

    def create_index(self, index: str) -> dict[str, Any]:
        """``PUT /{index}`` (mappings and settings in the body are accepted and ignored)."""
        _check_writable(index)
        with self._store.write() as tx:
            if not tx.create_index(index, ids.now_ms()):
                raise EngineError(f"index [{index}] already exists", 400, "resource_already_exists_exception")
        return {"acknowledged": True, "shards_acknowledged": True, "index": index}

    def delete_index(self, index: str) -> dict[str, Any]:
        """``DELETE /{index}``."""
        _check_writable(index)
        with self._store.write() as tx:
            if not tx.drop_index(index):
                raise _index_missing(index)
        return {"acknowledged": True}

    def refresh(self, index: str, params: Mapping[str, str] | None = None) -> dict[str, Any]:
        """``POST /{index}/_refresh`` (``index`` may list several): a no-op, writes are visible at once.

        A missing index is a 404 unless ``ignore_unavailable=true``, which skips it (OpenSearch's
        lenient index options): refreshing several indices some of which do not exist yet succeeds.
        """
        lenient = (params or {}).get("ignore_unavailable", "false").lower() in ("", "true")
        with self._store.read() as tx:
            present = [name for name in index.split(",") if self._exists(tx, name)]
            missing = [name for name in index.split(",") if name not in present]
        if missing and not lenient:
            raise _index_missing(missing[0])
        return {"_shards": {key: count * len(present) for key, count in SHARDS.items()}}
