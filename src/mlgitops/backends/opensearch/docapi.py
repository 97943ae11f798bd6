"""The plain OpenSearch document API (mlgitops' own index): get, write, delete, paged search, ``_bulk``."""

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from mlgitops.backends.opensearch import http
from mlgitops.errors import BackendError, BackendNotFoundError

Json = dict[str, Any]
PAGE_SIZE = 1000


@dataclass(frozen=True)
class BulkOperation:
    """One item of a ``_bulk`` request: ``index`` (with ``source``) or ``delete``."""

    action: str
    index: str
    doc_id: str
    source: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class Document:
    """A document of the document API with its optimistic-concurrency tokens."""

    doc_id: str
    source: Json
    seq_no: int | None = None
    primary_term: int | None = None


class DocumentApi:
    """Document-API calls over ``request``, which the client provides."""

    def request(
        self,
        method: str,
        path: str,
        *,
        body: Mapping[str, Any] | None = None,
        params: Mapping[str, str] | None = None,
        content: bytes | None = None,
    ) -> Json:
        """Send one request; the client implements it."""
        raise NotImplementedError

    # -- document API -----------------------------------------------------------------------------

    def get_doc(self, index: str, doc_id: str) -> Document | None:
        """One document, or None when it (or the index) does not exist."""
        found = self._get_or_none(f"/{index}/_doc/{_quote(doc_id)}")
        if found is None or not found.get("found", True):
            return None
        self._index_serves(index)
        return Document(
            doc_id, dict(found.get("_source") or {}), found.get("_seq_no"), found.get("_primary_term")
        )

    def put_doc(
        self,
        index: str,
        doc_id: str,
        source: Mapping[str, Any],
        *,
        if_seq_no: int | None = None,
        if_primary_term: int | None = None,
    ) -> Json:
        """Index (create or replace) a document, optionally only if unchanged since read (else 409)."""
        self._ensure_index(index)
        params = {"refresh": "true"}
        if if_seq_no is not None and if_primary_term is not None:
            params |= {"if_seq_no": str(if_seq_no), "if_primary_term": str(if_primary_term)}
        return self.request("PUT", f"/{index}/_doc/{_quote(doc_id)}", body=source, params=params)

    def create_doc(self, index: str, doc_id: str, source: Mapping[str, Any]) -> Json:
        """Create a document atomically; BackendConflictError (409) when it already exists."""
        self._ensure_index(index)
        return self.request(
            "PUT", f"/{index}/_create/{_quote(doc_id)}", body=source, params={"refresh": "true"}
        )

    def delete_doc(
        self, index: str, doc_id: str, *, if_seq_no: int | None = None, if_primary_term: int | None = None
    ) -> bool:
        """Delete a document (only if unchanged since ``if_seq_no``/``if_primary_term`` when given: a
        BackendConflictError otherwise); False when it was already gone."""
        params = {"refresh": "true"}
        if if_seq_no is not None and if_primary_term is not None:
            params |= {"if_seq_no": str(if_seq_no), "if_primary_term": str(if_primary_term)}
        return self._delete(f"/{index}/_doc/{_quote(doc_id)}", params=params)

    def bulk(self, operations: Sequence[BulkOperation]) -> list[Json]:
        """Index and delete documents in one ``_bulk`` request, in order; one result per operation.

        Each result is the item's body (``status``, and ``error`` when it failed); a delete of a missing
        document is a 404 without ``error``.
        """
        lines: list[str] = []
        for op in operations:
            lines.append(json.dumps({op.action: {"_index": op.index, "_id": op.doc_id}}))
            if op.source is not None:
                lines.append(json.dumps(op.source, separators=(",", ":")))
        content = ("\n".join(lines) + "\n").encode()
        response = self.request("POST", "/_bulk", params={"refresh": "true"}, content=content)
        items = response.get("items")
        if not isinstance(items, list) or len(items) != len(operations):
            raise BackendError(
                f"the target's _bulk response does not match the request: {http.truncate(str(response))}"
            )
        return [dict(next(iter(item.values()))) if isinstance(item, dict) and item else {} for item in items]

    def scan_docs(self, index: str, query: Mapping[str, Any]) -> list[Json]:
        """Every hit of an index, page by page; an empty list when the index does not exist yet."""
        try:
            return self.scan(f"/{index}/_search", query)
        except BackendNotFoundError:
            return []

    def scan(self, path: str, query: Mapping[str, Any], page_size: int = PAGE_SIZE) -> list[Json]:
        """Every hit of a ``_search`` endpoint, in pages of ``page_size`` whatever the result window.

        Pages are sorted on ``_seq_no`` and continued with ``search_after``. Each page starts one below
        the last sequence number seen, so documents sharing it (possible across shards) are never
        skipped; hits read twice are dropped by id. A document updated while paging moves to a higher
        sequence number and is still read; documents are never dropped. The cursor grows with every
        page, so the loop ends.
        """
        seen: dict[str, Json] = {}
        cursor: int | None = None
        while True:
            body: dict[str, Any] = {
                "query": dict(query), "size": page_size, "sort": [{"_seq_no": "asc"}],
                "track_total_hits": False, "seq_no_primary_term": True,
            }  # fmt: skip
            if cursor is not None:
                body["search_after"] = [cursor]
            hits = list(self.request("POST", path, body=body).get("hits", {}).get("hits", []))
            for hit in hits:
                if isinstance(hit, dict) and "_id" in hit:
                    seen.setdefault(str(hit["_id"]), hit)
            if len(hits) < page_size:
                return list(seen.values())
            last = _sort_value(hits[-1])
            cursor = last - 1 if cursor is None or last - 1 > cursor else last

    # -- helpers ----------------------------------------------------------------------------------

    def _index_serves(self, index: str) -> None:
        """``index`` exists and its shard just served a read (no check before its first write)."""

    def _ensure_index(self, index: str) -> None:
        """Make sure ``index`` exists and is ready before a write; the client may wait for its shards."""

    def _get_or_none(self, path: str) -> Json | None:
        try:
            return self.request("GET", path)
        except BackendNotFoundError:
            return None

    def _delete(self, path: str, params: Mapping[str, str] | None = None) -> bool:
        try:
            response = self.request("DELETE", path, params=params)
        except BackendNotFoundError:
            return False
        return response.get("result") != "not_found"


def _sort_value(hit: Any) -> int:
    values = hit.get("sort") if isinstance(hit, dict) else None
    value = values[0] if isinstance(values, list) and values else None
    if isinstance(value, bool) or not isinstance(value, int | str) or not str(value).lstrip("-").isdigit():
        raise BackendError(
            f"the target's search hit has no sequence number to page on: {http.truncate(str(hit))}"
        )
    return int(value)


def _quote(doc_id: str) -> str:
    # Ids are built from kinds and manifest names ([A-Za-z0-9._-]) plus ':', so they stay one path segment.
    return quote(doc_id, safe=":")
