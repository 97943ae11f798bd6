"""MLCommonsClient: typed ML Commons and document-API calls over httpx, with retries and error mapping."""

import json
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx

from mlgitops.backends.opensearch import http
from mlgitops.backends.opensearch.http import RetryPolicy
from mlgitops.errors import BackendError, BackendNotFoundError, BackendRejectedError, BackendUnavailableError

logger = logging.getLogger(__name__)

Json = dict[str, Any]
ML = "/_plugins/_ml"
TASK_DONE = "COMPLETED"
TASK_FAILED = ("FAILED", "COMPLETED_WITH_ERROR", "CANCELLED", "EXPIRED")
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


def _is_idempotent(method: str, path: str) -> bool:
    # POSTs that create things must not be replayed after an ambiguous failure (that would duplicate the
    # resource); searches and predicts are safe to replay.
    # A bulk of writes by id (mlgitops' bookkeeping) gives the same result when replayed.
    return method != "POST" or path.rstrip("/").endswith(("_search", "_refresh", "_bulk"))


class MLCommonsClient:
    """The ML Commons REST API (2.19 semantics) and the plain document API, over one httpx.Client."""

    def __init__(
        self,
        http_client: httpx.Client,
        *,
        retry: RetryPolicy = http.NO_RETRY,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        crash_after_mutation: int | None = None,
        crash: Callable[[], None] = http.crash_now,
    ) -> None:
        """Wrap ``http_client`` (its base_url is the target).

        ``sleep``/``clock`` are injectable for tests; ``crash_after_mutation`` (test-only) calls ``crash``
        (default: SIGKILL this process) right after that many mutating requests succeeded.
        """
        self._http = http_client
        self._retry = retry
        self._sleep = sleep
        self._clock = clock
        self._crash_after = crash_after_mutation
        self._mutations = 0
        self._crash = crash

    def close(self) -> None:
        """Close the underlying HTTP client."""
        self._http.close()

    # -- plumbing ---------------------------------------------------------------------------------

    def request(
        self,
        method: str,
        path: str,
        *,
        body: Mapping[str, Any] | None = None,
        params: Mapping[str, str] | None = None,
        content: bytes | None = None,
    ) -> Json:
        """Send one request (retrying per policy) and return its JSON object; raises a BackendError.

        ``content`` is sent as is, as NDJSON (``_bulk``), instead of ``body``.
        """
        attempt = 0
        while True:
            attempt += 1
            try:
                return self._send_once(method, path, body, params, content)
            except _Retryable as exc:
                retryable = exc.error.status is not None and exc.error.status == 429
                retryable = retryable or exc.connect_failed or _is_idempotent(method, path)
                if not retryable or attempt >= self._retry.attempts:
                    raise exc.error from exc.cause
                pause = self._retry.delay(attempt, exc.retry_after)
                logger.info("%s; retrying in %.1fs (attempt %d)", exc.error, pause, attempt + 1)
                self._sleep(pause)

    def _send_once(
        self,
        method: str,
        path: str,
        body: Mapping[str, Any] | None,
        params: Mapping[str, str] | None,
        content: bytes | None = None,
    ) -> Json:
        try:
            if content is None:
                response = self._http.request(method, path, json=body, params=params)
            else:
                headers = {"content-type": "application/x-ndjson"}
                response = self._http.request(method, path, content=content, params=params, headers=headers)
        except httpx.TransportError as exc:
            error = http.transport_error(method, path, exc, target=str(self._http.base_url))
            raise _Retryable(
                error, exc, None, connect_failed=isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout)
            ) from exc
        if response.status_code >= 400:
            error = http.build_error(method, path, response)
            if error.retryable:
                raise _Retryable(error, None, http.retry_after_seconds(response))
            raise error
        self._count_mutation(method, path)
        return _json_object(method, path, response)

    def _count_mutation(self, method: str, path: str) -> None:
        if not http.is_mutation(method, path):
            return
        self._mutations += 1
        if self._crash_after is not None and self._mutations >= self._crash_after:
            self._crash()

    # -- cluster ----------------------------------------------------------------------------------

    def info(self) -> Json:
        """``GET /``: cluster name and version."""
        return self.request("GET", "/")

    def version(self) -> str:
        """The server's version number (``version.number`` of ``GET /``), e.g. ``2.19.0``."""
        number = self.info().get("version", {}).get("number")
        if not isinstance(number, str):
            raise BackendError("the target did not report a version (is it OpenSearch?)")
        return number

    def get_cluster_settings(self) -> Json:
        """Flat cluster settings, defaults included (``persistent``/``transient``/``defaults``)."""
        return self.request(
            "GET", "/_cluster/settings", params={"flat_settings": "true", "include_defaults": "true"}
        )

    def put_cluster_settings(self, body: Mapping[str, Any]) -> Json:
        """``PUT _cluster/settings`` with ``{"persistent": {...}}`` (``None`` resets a setting)."""
        return self.request("PUT", "/_cluster/settings", body=body)

    # -- model groups -----------------------------------------------------------------------------

    def register_model_group(self, body: Mapping[str, Any]) -> str:
        """Register a model group; returns its id."""
        return _field(self.request("POST", f"{ML}/model_groups/_register", body=body), "model_group_id")

    def get_model_group(self, group_id: str) -> Json | None:
        """The model group document, or None when it does not exist."""
        return self._get_or_none(f"{ML}/model_groups/{group_id}")

    def update_model_group(self, group_id: str, body: Mapping[str, Any]) -> Json:
        """Update a model group's name, description or access fields."""
        return self.request("PUT", f"{ML}/model_groups/{group_id}", body=body)

    def delete_model_group(self, group_id: str) -> bool:
        """Delete a model group; False when it was already gone."""
        return self._delete(f"{ML}/model_groups/{group_id}")

    def search_model_groups(self, query: Mapping[str, Any], size: int = 1000) -> list[Json]:
        """Search hits (``_id``, ``_source``) of model groups."""
        return self._search(f"{ML}/model_groups/_search", query, size)

    # -- connectors -------------------------------------------------------------------------------

    def create_connector(self, body: Mapping[str, Any]) -> str:
        """Create a standalone connector (credentials in ``body`` only); returns its id."""
        return _field(self.request("POST", f"{ML}/connectors/_create", body=body), "connector_id")

    def get_connector(self, connector_id: str) -> Json | None:
        """The connector document (credentials stripped by the server), or None."""
        return self._get_or_none(f"{ML}/connectors/{connector_id}")

    def update_connector(self, connector_id: str, body: Mapping[str, Any]) -> Json:
        """Update a connector (2.11+); fails while a deployed model uses it."""
        return self.request("PUT", f"{ML}/connectors/{connector_id}", body=body)

    def delete_connector(self, connector_id: str) -> bool:
        """Delete a connector; False when it was already gone."""
        return self._delete(f"{ML}/connectors/{connector_id}")

    def search_connectors(self, query: Mapping[str, Any], size: int = 1000) -> list[Json]:
        """Search hits of connectors."""
        return self._search(f"{ML}/connectors/_search", query, size)

    # -- models -----------------------------------------------------------------------------------

    def register_model(self, body: Mapping[str, Any]) -> tuple[str | None, str | None]:
        """Register a remote model; returns ``(model_id, task_id)`` (model_id is None before 2.11)."""
        response = self.request("POST", f"{ML}/models/_register", body=body)
        return _opt(response, "model_id"), _opt(response, "task_id")

    def get_model(self, model_id: str) -> Json | None:
        """The model document, or None."""
        return self._get_or_none(f"{ML}/models/{model_id}")

    def update_model(self, model_id: str, body: Mapping[str, Any]) -> Json:
        """Update a model (2.12+)."""
        return self.request("PUT", f"{ML}/models/{model_id}", body=body)

    def deploy_model(self, model_id: str) -> str | None:
        """Start deploying a model; returns the task id."""
        return _opt(self.request("POST", f"{ML}/models/{model_id}/_deploy"), "task_id")

    def undeploy_model(self, model_id: str) -> Json:
        """Undeploy a model from every node (also fine when it is not deployed)."""
        return self.request("POST", f"{ML}/models/{model_id}/_undeploy")

    def delete_model(self, model_id: str) -> bool:
        """Delete an undeployed model; False when it was already gone."""
        return self._delete(f"{ML}/models/{model_id}")

    def search_models(self, query: Mapping[str, Any], size: int = 1000) -> list[Json]:
        """Search hits of models."""
        return self._search(f"{ML}/models/_search", query, size)

    def predict(self, model_id: str, body: Mapping[str, Any], *, algorithm: str | None = None) -> Json:
        """``_predict`` on a model; with ``algorithm`` the ``/_predict/{algorithm}/{id}`` form (text_docs)."""
        path = f"{ML}/_predict/{algorithm}/{model_id}" if algorithm else f"{ML}/models/{model_id}/_predict"
        return self.request("POST", path, body=body)

    # -- tasks ------------------------------------------------------------------------------------

    def get_task(self, task_id: str) -> Json:
        """The task document."""
        return self.request("GET", f"{ML}/tasks/{task_id}")

    def wait_for_task(self, task_id: str, timeout: float = 300.0) -> Json:
        """Poll a task with backoff until COMPLETED (success even at the first poll) or a failure state."""
        deadline = self._clock() + timeout
        pause = 0.05
        while True:
            task = self.get_task(task_id)
            state = str(task.get("state", "")).upper()
            if state == TASK_DONE:
                return task
            if state in TASK_FAILED:
                reason = http.truncate(str(task.get("error") or state))
                raise BackendRejectedError(
                    f"task {task_id} ({task.get('task_type', 'task')}) {state}: {reason}"
                )
            if self._clock() + pause > deadline:
                raise BackendUnavailableError(f"task {task_id} still {state or 'pending'} after {timeout:g}s")
            self._sleep(pause)
            pause = min(pause * 2, 5.0)

    def wait_for_model_state(self, model_id: str, timeout: float = 300.0) -> str:
        """Poll a model until it leaves DEPLOYING/REGISTERING; returns its state ("" when it is gone)."""
        deadline = self._clock() + timeout
        pause = 0.05
        while True:
            state = str((self.get_model(model_id) or {}).get("model_state", "")).upper()
            if state not in ("DEPLOYING", "REGISTERING") or self._clock() + pause > deadline:
                return state
            self._sleep(pause)
            pause = min(pause * 2, 5.0)

    # -- document API -----------------------------------------------------------------------------

    def get_doc(self, index: str, doc_id: str) -> Document | None:
        """One document, or None when it (or the index) does not exist."""
        found = self._get_or_none(f"/{index}/_doc/{_quote(doc_id)}")
        if found is None or not found.get("found", True):
            return None
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
        params = {"refresh": "true"}
        if if_seq_no is not None and if_primary_term is not None:
            params |= {"if_seq_no": str(if_seq_no), "if_primary_term": str(if_primary_term)}
        return self.request("PUT", f"/{index}/_doc/{_quote(doc_id)}", body=source, params=params)

    def create_doc(self, index: str, doc_id: str, source: Mapping[str, Any]) -> Json:
        """Create a document atomically; BackendConflictError (409) when it already exists."""
        return self.request(
            "PUT", f"/{index}/_create/{_quote(doc_id)}", body=source, params={"refresh": "true"}
        )

    def delete_doc(self, index: str, doc_id: str) -> bool:
        """Delete a document; False when it was already gone."""
        return self._delete(f"/{index}/_doc/{_quote(doc_id)}", params={"refresh": "true"})

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

    def search_docs(self, index: str, query: Mapping[str, Any], size: int = 10000) -> list[Json]:
        """Search hits of an index; an empty list when the index does not exist yet."""
        try:
            return self._search(f"/{index}/_search", query, size)
        except BackendNotFoundError:
            return []

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

    def _search(self, path: str, query: Mapping[str, Any], size: int) -> list[Json]:
        response = self.request("POST", path, body={"query": dict(query), "size": size})
        hits = response.get("hits", {}).get("hits", [])
        return [hit for hit in hits if isinstance(hit, dict)]


class _Retryable(Exception):  # noqa: N818 - internal control flow, never escapes the client
    def __init__(
        self,
        error: BackendError,
        cause: BaseException | None,
        retry_after: float | None,
        *,
        connect_failed: bool = False,
    ) -> None:
        super().__init__(str(error))
        self.error = error
        self.cause = cause
        self.retry_after = retry_after
        self.connect_failed = connect_failed


def _json_object(method: str, path: str, response: httpx.Response) -> Json:
    if not response.content:
        return {}
    try:
        payload = response.json()
    except ValueError as exc:
        raise BackendError(f"{method} {path}: response is not JSON: {http.truncate(response.text)}") from exc
    return payload if isinstance(payload, dict) else {"value": payload}


def _field(response: Json, name: str) -> str:
    value = response.get(name)
    if not isinstance(value, str) or not value:
        raise BackendError(f"the target's response has no {name}: {http.truncate(str(response))}")
    return value


def _opt(response: Json, name: str) -> str | None:
    value = response.get(name)
    return value if isinstance(value, str) and value else None


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
