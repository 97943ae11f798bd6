"""MLCommonsClient: typed ML Commons and document-API calls over httpx, with retries and error mapping."""

import logging
import time
from collections.abc import Callable, Mapping
from typing import Any

import httpx

from mlgitops.backends.opensearch import http, transients
from mlgitops.backends.opensearch.docapi import PAGE_SIZE as PAGE_SIZE
from mlgitops.backends.opensearch.docapi import BulkOperation as BulkOperation
from mlgitops.backends.opensearch.docapi import Document as Document
from mlgitops.backends.opensearch.docapi import DocumentApi
from mlgitops.backends.opensearch.docapi import Json as Json
from mlgitops.backends.opensearch.http import RetryPolicy
from mlgitops.backends.opensearch.transients import KnownTransient
from mlgitops.errors import (
    BackendError,
    BackendRejectedError,
    BackendTransientError,
    BackendUnavailableError,
)

logger = logging.getLogger(__name__)

ML = "/_plugins/_ml"
TASK_DONE = "COMPLETED"
TASK_FAILED = ("FAILED", "COMPLETED_WITH_ERROR", "CANCELLED", "EXPIRED")
# A task or deploy that is not done at the first poll is polled again after 5 ms, then ever less often
# (doubling up to 5 s): a local engine finishes in milliseconds, a cluster in hundreds of them.
FIRST_POLL_PAUSE = 0.005


def _is_idempotent(method: str, path: str) -> bool:
    # POSTs that create things must not be replayed after an ambiguous failure (that would duplicate the
    # resource); searches and predicts are safe to replay.
    # A bulk of writes by id (mlgitops' bookkeeping) gives the same result when replayed.
    return method != "POST" or path.rstrip("/").endswith(("_search", "_refresh", "_bulk"))


class MLCommonsClient(DocumentApi):
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
        self._first_run = transients.FirstRunGates()

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
                if exc.known is not None:
                    self._wait_out(exc.known, exc.error, attempt)
                    continue
                retryable = exc.error.status is not None and exc.error.status == 429
                retryable = retryable or exc.connect_failed or _is_idempotent(method, path)
                if not retryable or attempt >= self._retry.attempts:
                    raise exc.error from exc.cause
                pause = self._retry.delay(attempt, exc.retry_after)
                logger.info("%s; retrying in %.1fs (attempt %d)", exc.error, pause, attempt + 1)
                self._sleep(pause)

    def _wait_out(self, known: KnownTransient, error: BackendError, attempt: int) -> None:
        if attempt >= transients.TRANSIENT_RETRY.attempts:
            raise BackendTransientError(f"{error} ({known.name}; still refused)", error.status) from None
        pause = transients.TRANSIENT_RETRY.delay(attempt)
        logger.info("%s: %s; retrying in %.1fs", known.name, error, pause)
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
            known = transients.classify(response)
            if known is not None:
                raise _Retryable(error, None, None, known=known)
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

    def search_model_groups(self, query: Mapping[str, Any]) -> list[Json]:
        """Every hit (``_id``, ``_source``) of the model groups matching ``query``, paged."""
        return self.scan(f"{ML}/model_groups/_search", query)

    # -- connectors -------------------------------------------------------------------------------

    def create_connector(self, body: Mapping[str, Any]) -> str:
        """Create a standalone connector (credentials in ``body`` only); returns its id."""
        with self._first_run.first_connector():
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

    def search_connectors(self, query: Mapping[str, Any]) -> list[Json]:
        """Every hit of the connectors matching ``query``, paged."""
        return self.scan(f"{ML}/connectors/_search", query)

    # -- models -----------------------------------------------------------------------------------

    def register_model(self, body: Mapping[str, Any]) -> tuple[str | None, str | None]:
        """Register a remote model; returns ``(model_id, task_id)`` (model_id is None before 2.11)."""
        with self._first_run.model_group(body.get("model_group_id")):
            response = self.request("POST", f"{ML}/models/_register", body=body)
        return _opt(response, "model_id"), _opt(response, "task_id")

    def get_model(self, model_id: str) -> Json | None:
        """The model document, or None."""
        return self._get_or_none(f"{ML}/models/{model_id}")

    def update_model(self, model_id: str, body: Mapping[str, Any]) -> Json:
        """Update a model (2.12+)."""
        return self.request("PUT", f"{ML}/models/{model_id}", body=body)

    def deploy_model(self, model_id: str) -> tuple[str | None, str | None]:
        """Start deploying a model; returns its task id and the task status in the answer (``CREATED``)."""
        response = self.request("POST", f"{ML}/models/{model_id}/_deploy")
        return _opt(response, "task_id"), _opt(response, "status")

    def undeploy_model(self, model_id: str) -> Json:
        """Undeploy a model from every node (also fine when it is not deployed)."""
        return self.request("POST", f"{ML}/models/{model_id}/_undeploy")

    def delete_model(self, model_id: str) -> bool:
        """Delete an undeployed model; False when it was already gone."""
        return self._delete(f"{ML}/models/{model_id}")

    def search_models(self, query: Mapping[str, Any]) -> list[Json]:
        """Every hit of the models matching ``query``, paged."""
        return self.scan(f"{ML}/models/_search", query)

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
        pause = FIRST_POLL_PAUSE
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
        """Poll a model until it leaves DEPLOYING/REGISTERING; returns its state ("" when it is gone).

        The first poll comes ``FIRST_POLL_PAUSE`` after the call: a deploy answered a moment ago is
        still running on the server (even a local engine's takes a few milliseconds), so a poll at
        once would only find it DEPLOYING and cost the server a request among the apply's others.
        """
        deadline = self._clock() + timeout
        pause = FIRST_POLL_PAUSE
        while True:
            self._sleep(pause)
            state = str((self.get_model(model_id) or {}).get("model_state", "")).upper()
            pause = min(pause * 2, 5.0)
            if state not in ("DEPLOYING", "REGISTERING") or self._clock() + pause > deadline:
                return state

    def _ensure_index(self, index: str) -> None:
        """Create ``index`` before its first write and wait for its shard (once per client)."""
        self._first_run.ensure_index(index, self.request)

    def _index_serves(self, index: str) -> None:
        self._first_run.index_serves(index)


class _Retryable(Exception):  # noqa: N818 - internal control flow, never escapes the client
    def __init__(
        self,
        error: BackendError,
        cause: BaseException | None,
        retry_after: float | None,
        *,
        connect_failed: bool = False,
        known: KnownTransient | None = None,
    ) -> None:
        super().__init__(str(error))
        self.error = error
        self.cause = cause
        self.retry_after = retry_after
        self.connect_failed = connect_failed
        self.known = known


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
