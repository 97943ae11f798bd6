"""``_bulk``: many document writes in one request and one transaction; each item succeeds or fails alone."""

import json
from typing import Any

from mlgitops.engine.resources.documents import Documents
from mlgitops.engine.storage.store import Store
from mlgitops.errors import EngineError

ACTIONS = ("index", "create", "delete", "update")
_METADATA = ("_index", "_id", "if_seq_no", "if_primary_term")


def _lines(body: bytes | None) -> list[tuple[int, Any]]:
    if not body or not body.strip():
        raise EngineError("request body is required", 400, "action_request_validation_exception")
    if not body.endswith(b"\n"):
        raise EngineError("The bulk request must be terminated by a newline [\\n]")
    parsed: list[tuple[int, Any]] = []
    for number, line in enumerate(body.split(b"\n"), start=1):
        if not line.strip():
            continue
        try:
            parsed.append((number, json.loads(line)))
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise EngineError(
                f"Failed to parse line [{number}] of the bulk request", 400, "parse_exception"
            ) from None
    return parsed


def parse(body: bytes | None, default_index: str | None) -> list[tuple[str, dict[str, Any], Any]]:
    """``(action, metadata, source)`` for every item (``source`` is None for deletes)."""
    lines = _lines(body)
    items: list[tuple[str, dict[str, Any], Any]] = []
    position = 0
    while position < len(lines):
        number, header = lines[position]
        if not isinstance(header, dict) or len(header) != 1 or next(iter(header)) not in ACTIONS:
            found = next(iter(header), "") if isinstance(header, dict) and header else header
            raise EngineError(
                f"Malformed action/metadata line [{number}], expected one of [create, delete, index, update]"
                f" but found [{found}]"
            )
        action, metadata = next(iter(header.items()))
        metadata = dict(metadata or {})
        metadata.setdefault("_index", default_index)
        if not metadata["_index"]:
            raise EngineError(f"Validation Failed: 1: index is missing for item at line [{number}];")
        position += 1
        source = None
        if action != "delete":
            if position >= len(lines):
                raise EngineError(f"the bulk item at line [{number}] has no document line")
            source = lines[position][1]
            position += 1
        items.append((action, metadata, source))
    return items


class Bulk:
    """``POST /_bulk`` and ``POST /{index}/_bulk`` over the document API."""

    def __init__(self, store: Store, documents: Documents) -> None:
        self._store = store
        self._documents = documents

    def run(self, body: bytes | None, index: str | None = None) -> dict[str, Any]:
        """Apply every item in order, in one transaction; failures are reported per item.

        Query parameters such as ``refresh`` are accepted and need nothing: writes are visible at once.
        """
        items = parse(body, index)
        results: list[dict[str, Any]] = []
        with self._store.write():
            for action, metadata, source in items:
                results.append({action: self._one(action, metadata, source)})
        errors = any("error" in next(iter(item.values())) for item in results)
        return {"took": 0, "errors": errors, "items": results}

    def _one(self, action: str, metadata: dict[str, Any], source: Any) -> dict[str, Any]:
        index, doc_id = str(metadata["_index"]), metadata.get("_id")
        conditions = {key: str(metadata[key]) for key in _METADATA[2:] if metadata.get(key) is not None}
        try:
            if action == "update":
                raise EngineError("bulk update is not supported by the local engine; use index")
            if action == "delete":
                if doc_id is None:
                    raise EngineError(
                        "Validation Failed: 1: id is missing;", 400, "action_request_validation_exception"
                    )
                status, response = self._documents.delete(index, str(doc_id), conditions)
            else:
                status, response = self._documents.index(
                    index,
                    None if doc_id is None else str(doc_id),
                    source,
                    conditions,
                    create_only=action == "create",
                )
        except EngineError as exc:
            error = {"type": exc.error_type, "reason": str(exc), "index": index}
            return {"_index": index, "_id": doc_id, "status": exc.status, "error": error}
        return {**response, "status": status}
