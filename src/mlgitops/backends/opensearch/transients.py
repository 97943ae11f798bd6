"""First-run transients of a fresh ML Commons cluster: recognised by their exact error, retried on purpose.

A fresh OpenSearch 2.19 node refuses some requests for a short while without changing anything:

* the first connector create makes ML Commons create its master key in ``.plugins-ml-config``;
  connector creates racing it read the key before the index's shard has started (HTTP 503
  ``no_shard_available_action_exception``, ``No shard available for [get [.plugins-ml-config][master_key]``)
  or while it is being written (HTTP 404 ``resource_not_found_exception``, ``The ML encryption master key
  has not been initialized yet. Please retry after waiting for 10 seconds.``);
* concurrent registers into one model group bump the group's version with seq_no/primary_term and all
  but one fail (HTTP 500 ``status_exception``, ``Failed to update data object in index
  .plugins-ml-model-group``);
* any read of an index whose shard has not started yet, mlgitops' own ``.mlgitops`` included
  (HTTP 503 ``no_shard_available_action_exception``, ``No shard available for [get [INDEX]...``).

Each refusal happens before the server writes anything, so even a create (never replayed after an
ambiguous failure) may be sent again. Nothing else is retried by this module.
"""

import re
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Protocol

import httpx

from mlgitops.backends.opensearch.http import RetryPolicy
from mlgitops.errors import BackendNotFoundError, BackendRejectedError, BackendUnavailableError


class Request(Protocol):
    """The client's ``request``: one call, retried per policy, its JSON object back."""

    def __call__(
        self,
        method: str,
        path: str,
        *,
        body: Mapping[str, Any] | None = None,
        params: Mapping[str, str] | None = None,
    ) -> dict[str, Any]:
        """Send ``method path``."""
        ...


# Backoff for known transients: about 25 s in all, enough for a shard to start on a busy node.
TRANSIENT_RETRY = RetryPolicy(attempts=10, base_seconds=0.25, cap_seconds=4.0)


@dataclass(frozen=True)
class KnownTransient:
    """One recognised refusal: HTTP status, OpenSearch error type and a pattern of its reason."""

    name: str
    status: int
    error_type: str
    reason: re.Pattern[str]

    def matches(self, status: int, error_type: str, reason: str) -> bool:
        """True when a response is this refusal."""
        return status == self.status and error_type == self.error_type and bool(self.reason.match(reason))


MASTER_KEY_NOT_READY = KnownTransient(
    "ML Commons master key not created yet",
    503,
    "no_shard_available_action_exception",
    re.compile(r"No shard available for \[get \[\.plugins-ml-config\]\[master_key\]"),
)
MASTER_KEY_INITIALISING = KnownTransient(
    "ML Commons master key still initialising",
    404,
    "resource_not_found_exception",
    re.compile(r"The ML encryption master key has not been initialized yet\."),
)
MODEL_GROUP_VERSION_CONFLICT = KnownTransient(
    "concurrent register into the same model group",
    500,
    "status_exception",
    re.compile(r"Failed to update data object in index \.plugins-ml-model-group$"),
)
SHARD_NOT_STARTED = KnownTransient(
    "read of a shard that has not started yet",
    503,
    "no_shard_available_action_exception",
    re.compile(r"No shard available for \[get \["),
)
KNOWN_TRANSIENTS = (
    MASTER_KEY_NOT_READY,
    MASTER_KEY_INITIALISING,
    MODEL_GROUP_VERSION_CONFLICT,
    SHARD_NOT_STARTED,
)


def _envelope(response: httpx.Response) -> tuple[str, str]:
    try:
        payload: Any = response.json()
    except ValueError:
        return "", ""
    error = payload.get("error") if isinstance(payload, dict) else None
    if not isinstance(error, dict):
        return "", ""
    return str(error.get("type") or ""), str(error.get("reason") or "")


def classify(response: httpx.Response) -> KnownTransient | None:
    """The known transient ``response`` is, or None for every other answer."""
    if response.status_code not in {known.status for known in KNOWN_TRANSIENTS}:
        return None
    error_type, reason = _envelope(response)
    for known in KNOWN_TRANSIENTS:
        if known.matches(response.status_code, error_type, reason):
            return known
    return None


# mlgitops' own index: one shard, a replica only where a second node exists.
INDEX_BODY = {"settings": {"index": {"number_of_shards": 1, "auto_expand_replicas": "0-1"}}}
INDEX_CREATE_PARAMS = {"wait_for_active_shards": "1", "timeout": "20s"}
INDEX_HEALTH_PARAMS = {"wait_for_status": "yellow", "timeout": "20s"}
INDEX_READY_SECONDS = 120.0


class FirstRunGates:
    """Orders the few requests that race on a fresh cluster; everything else runs in parallel.

    * the first connector create runs alone (it makes the master key; later creates run concurrently);
    * registers into one model group run one at a time (each bumps the group's version);
    * an index mlgitops writes is created explicitly, once, and used only when its shard has started.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        """No connector created and no index checked yet."""
        self._clock = clock
        self._guard = threading.Lock()
        self._connector_gate = threading.Lock()
        self._connector_made = False
        self._groups: dict[str, threading.Lock] = {}
        self._indexes: set[str] = set()

    @contextmanager
    def first_connector(self) -> Iterator[None]:
        """Hold back concurrent connector creates until one has succeeded (then all run at once)."""
        if not self._connector_made:
            with self._connector_gate:
                if not self._connector_made:  # not made while this one waited: it is the one to try
                    yield
                    self._connector_made = True
                    return
        yield

    @contextmanager
    def model_group(self, group_id: object) -> Iterator[None]:
        """Serialise registers into ``group_id`` (no lock when the body names no group)."""
        if not isinstance(group_id, str) or not group_id:
            yield
            return
        with self._guard:
            lock = self._groups.setdefault(group_id, threading.Lock())
        with lock:
            yield

    def index_serves(self, index: str) -> None:
        """``index`` answered a read of one of its documents: it exists and its shard is started."""
        with self._guard:
            self._indexes.add(index)

    def ensure_index(self, index: str, request: Request) -> None:
        """Create ``index`` when missing and wait until its shard serves requests (once per index)."""
        if index in self._indexes:
            return
        with self._guard:
            if index in self._indexes:
                return
            if not _exists(index, request) and not _create(index, request):
                deadline = self._clock() + INDEX_READY_SECONDS
                while not _healthy(index, request):
                    if self._clock() > deadline:
                        raise BackendUnavailableError(
                            f"index {index} has no started shard after {INDEX_READY_SECONDS:g}s"
                        )
            self._indexes.add(index)


def _exists(index: str, request: Request) -> bool:
    try:
        request("HEAD", f"/{index}")
    except BackendNotFoundError:
        return False
    return True


def _create(index: str, request: Request) -> bool:
    """Create the index, waiting for its shard; True when the server says the shard started."""
    try:
        created = request("PUT", f"/{index}", body=INDEX_BODY, params=INDEX_CREATE_PARAMS)
    except BackendRejectedError as exc:
        if "resource_already_exists_exception" not in str(exc):
            raise
        return False
    return created.get("shards_acknowledged") is True


def _healthy(index: str, request: Request) -> bool:
    try:
        health = request("GET", f"/_cluster/health/{index}", params=INDEX_HEALTH_PARAMS)
    except BackendRejectedError as exc:
        if exc.status == 408:  # the server's own wait timed out: the shard is still starting
            return False
        raise
    return not health.get("timed_out") and health.get("status") in ("green", "yellow")
