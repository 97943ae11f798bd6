"""OpenSearchBackend: the Backend protocol over an ML Commons REST target, and ``connect``."""

import contextlib
import logging
import os
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import httpx

from mlgitops.backends.base import LockInfo, RecoveryReport, Resolver, Secrets
from mlgitops.backends.opensearch import auth, dependents, http, reading, snapshot
from mlgitops.backends.opensearch.applying import Applier
from mlgitops.backends.opensearch.client import MLCommonsClient
from mlgitops.backends.opensearch.http import RetryPolicy
from mlgitops.backends.opensearch.locking import TargetLock
from mlgitops.backends.opensearch.records import Bookkeeping
from mlgitops.backends.opensearch.recovery import Recovery
from mlgitops.backends.opensearch.tasklimits import task_limits
from mlgitops.errors import BackendNotFoundError, ConfigError
from mlgitops.model.resources import Kind, ResourceKey
from mlgitops.plan.actions import Action
from mlgitops.plan.exporting import TargetSnapshot
from mlgitops.plan.state import ActualState, DesiredResource

logger = logging.getLogger(__name__)

DEFAULT_RETRY = RetryPolicy(attempts=5, base_seconds=0.5, cap_seconds=20.0)


class UnknownModelError(ConfigError):
    """``predict`` named a model this target does not manage; ``managed`` lists the names it does."""

    def __init__(self, model: str, managed: Sequence[str]) -> None:
        super().__init__(f"no model named {model!r} is managed on this target; reconcile its manifest first")
        self.managed = tuple(managed)


class UnknownResourceError(ConfigError):
    """A command named a pipeline or agent this target does not manage; ``managed`` lists those it does."""

    def __init__(self, key: ResourceKey, managed: Sequence[str]) -> None:
        super().__init__(
            f"no {key.kind.value} named {key.name!r} is managed on this target; reconcile it first"
        )
        self.key = key
        self.managed = tuple(managed)


class OpenSearchBackend:
    """A target speaking the ML Commons REST API: a real cluster or the embedded engine."""

    def __init__(
        self,
        client: MLCommonsClient,
        *,
        clock: Callable[[], float] = time.time,
        task_timeout: float = 300.0,
        lock: TargetLock | None = None,
    ) -> None:
        """Compose the client with bookkeeping, lock, applier and recovery."""
        self.client = client
        self._book = Bookkeeping(client)
        self._lock = lock or TargetLock(client, clock=clock)
        self._applier = Applier(client, self._book, clock=clock, task_timeout=task_timeout)
        self._recovery = Recovery(client, self._book, self._applier.now_ms)
        self._settings: Mapping[str, Any] = {}  # the ML settings last read (their task limits)

    def read_state(self, desired: Sequence[DesiredResource]) -> ActualState:
        """Owned resources, unowned look-alikes of desired ones, ML settings, and a fingerprint."""
        state = reading.read_state(self.client, self._book, desired, sorted(self._applier.touched))
        self._settings = state.settings
        return state

    def read_snapshot(self) -> TargetSnapshot:
        """Everything the target holds (settings, every resource, mlgitops' ownership), for an import."""
        return snapshot.read_snapshot(self.client, self._book)

    @contextlib.contextmanager
    def applying(self, actions: Sequence[Action], *, resolve: Resolver) -> Iterator[None]:
        """Apply ``actions`` inside: their creates' intents are written ahead, many per request."""
        self._applier.begin(actions, resolve, task_limits(self._settings, actions))
        try:
            yield
        finally:
            self._applier.end()

    def apply(self, action: Action, *, secrets: Secrets, resolve: Resolver) -> str | None:
        """Execute one action (journalled; ownership record kept); returns the resource id."""
        return self._applier.apply(action, secrets=secrets, resolve=resolve)

    def digest_key(self, *, create: bool = False) -> bytes:
        """The target's HMAC key for credential digests (shared by every machine reconciling it).

        b"" when the target has none yet; ``create=True`` (reconcile only) makes one first.
        """
        return self._book.read_digest_key(create=create)

    def recover(self) -> RecoveryReport:
        """Recover the intents of interrupted runs (under the lock, before ``read_state``)."""
        return self._recovery.run()

    def acquire_lock(self, run_id: str, holder: str, *, ttl_seconds: int = 3600) -> LockInfo:
        """Lock the target for ``run_id`` (intents of this run carry it); call ``recover`` next."""
        info = self._lock.acquire(run_id, holder, ttl_seconds)
        self._applier.run_id = run_id
        return info

    def renew_lock(self, lock_id: str) -> None:
        """Keep our lock from expiring (the service's heartbeat calls this during apply)."""
        self._lock.renew(lock_id)

    def release_lock(self, lock_id: str) -> None:
        """Release our lock, once the bookkeeping of this run is on the target."""
        try:
            self._book.flush()
        finally:
            self._lock.release(lock_id)

    def break_lock(self, lock_id: str) -> LockInfo:
        """Break a stale lock by its exact id."""
        return self._lock.break_lock(lock_id)

    def predict(
        self, model: str, body: Mapping[str, Any], *, algorithm: str | None = None
    ) -> Mapping[str, Any]:
        """``_predict`` on the owned model named ``model``."""
        record = self._book.read_record(ResourceKey(Kind.MODEL, model))
        if record is None:
            managed = sorted(key.name for key in self._book.read_records() if key.kind is Kind.MODEL)
            raise UnknownModelError(model, managed)
        return self.client.predict(record.resource_id, body, algorithm=algorithm)

    def owned_id(self, key: ResourceKey) -> str:
        """The id of the owned resource ``key``; UnknownResourceError when it is not managed here."""
        record = self._book.read_record(key)
        if record is None:
            managed = sorted(other.name for other in self._book.read_records() if other.kind is key.kind)
            raise UnknownResourceError(key, managed)
        return record.resource_id

    def simulate(self, pipeline: str, sources: Sequence[Mapping[str, Any]]) -> Mapping[str, Any]:
        """Run the owned ingest pipeline named ``pipeline`` on documents (``_simulate``)."""
        return dependents.simulate(
            self.client, self.owned_id(ResourceKey(Kind.INGEST_PIPELINE, pipeline)), sources
        )

    def execute_agent(self, agent: str, parameters: Mapping[str, Any]) -> Mapping[str, Any]:
        """Execute the owned agent named ``agent``.

        A changed agent is registered anew (a new id) and the old one deleted; a call that raced that
        deletion (404 on the id it looked up) looks the id up again and retries once.
        """
        key = ResourceKey(Kind.AGENT, agent)
        agent_id = self.owned_id(key)
        try:
            return dependents.execute(self.client, agent_id, parameters)
        except BackendNotFoundError:
            current = self.owned_id(key)
            if current == agent_id:
                raise
            return dependents.execute(self.client, current, parameters)

    def close(self) -> None:
        """Close the HTTP connections."""
        self.client.close()


def connect(
    url: str,
    *,
    transport: httpx.BaseTransport | None = None,
    env: Mapping[str, str] | None = None,
    timeout: float = 30.0,
    retry: RetryPolicy = DEFAULT_RETRY,
) -> OpenSearchBackend:
    """An OpenSearchBackend for ``url`` over a new HTTP client (``open_http``), closed with the backend.

    With ``transport`` (the embedded engine's in-process transport) ``url`` is only a base URL and the
    environment's auth and TLS settings are not used.
    """
    return over(open_http(url, transport=transport, env=env, timeout=timeout), env=env, retry=retry)


def open_http(
    url: str,
    *,
    transport: httpx.BaseTransport | None = None,
    env: Mapping[str, str] | None = None,
    timeout: float = 30.0,
) -> httpx.Client:
    """The HTTP client for ``url`` (the only place an httpx.Client is made): auth and TLS from ``env``."""
    if transport is not None:
        return httpx.Client(transport=transport, base_url=url, timeout=timeout)
    settings = auth.read_connection_settings(url, os.environ if env is None else env)
    return httpx.Client(
        base_url=settings.base_url, auth=settings.auth, verify=settings.verify, timeout=timeout
    )


def over(
    http_client: httpx.Client, *, env: Mapping[str, str] | None = None, retry: RetryPolicy = DEFAULT_RETRY
) -> OpenSearchBackend:
    """A backend with no history (no run, no changed resource) over an open HTTP client.

    Several backends in turn may share one client (its keep-alive connections); ``close`` on any of
    them closes the client.
    """
    crash_after = http.crash_after_from_env(os.environ if env is None else env)
    return OpenSearchBackend(MLCommonsClient(http_client, retry=retry, crash_after_mutation=crash_after))


class Connection:
    """An HTTP client to one target kept open across runs; each ``backend()`` starts with no history."""

    def __init__(
        self,
        url: str,
        *,
        transport: httpx.BaseTransport | None = None,
        env: Mapping[str, str] | None = None,
        retry: RetryPolicy = DEFAULT_RETRY,
    ) -> None:
        """Open the client (``open_http``)."""
        self._env = env
        self._retry = retry
        self._http = open_http(url, transport=transport, env=env)

    def backend(self) -> OpenSearchBackend:
        """A new backend over the kept client (closing it closes the connection)."""
        return over(self._http, env=self._env, retry=self._retry)

    def close(self) -> None:
        """Close the client and its keep-alive connections."""
        self._http.close()
