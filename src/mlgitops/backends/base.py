"""The Backend protocol: what the reconcile service needs from any ML Commons target."""

import contextlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from pydantic import SecretStr

from mlgitops.model.resources import ResourceKey
from mlgitops.plan.actions import Action
from mlgitops.plan.state import ActualState, DesiredResource

# Looks up the id of a resource applied earlier in the run (or already owned); None when unknown.
Resolver = Callable[[ResourceKey], str | None]

# Credential values per resource, resolved only when applying: resource key -> credential key -> value.
Secrets = Mapping[ResourceKey, Mapping[str, SecretStr]]


@dataclass(frozen=True)
class LockInfo:
    """Who holds a target's lock (the document ``lock`` in index ``.mlgitops``)."""

    lock_id: str
    holder: str
    run_id: str
    created: str
    ttl_seconds: int


@dataclass(frozen=True)
class RecoveryReport:
    """What recovering pending intents of a crashed run did (one line per step, for the log)."""

    steps: tuple[str, ...] = ()


@runtime_checkable
class Backend(Protocol):
    """An ML Commons target as the reconciler sees it.

    Call order of a run: ``acquire_lock`` -> ``recover`` -> ``read_state`` -> ``apply`` per action, inside
    ``applying`` (in plan order; independent actions may run concurrently, while ``renew_lock`` beats
    every third of the TTL) -> ``read_state`` again -> ``release_lock``.
    ``OpenSearchBackend`` also offers ``digest_key(*, create=False) -> bytes``, the target's random
    HMAC key for credential digests (optional: not part of the protocol; see
    ``service.inputs.read_digest_key``).
    """

    def read_state(self, desired: Sequence[DesiredResource]) -> ActualState:
        """Owned resources (through ownership records), unowned ones with a desired ML name, settings.

        Args:
            desired: the resources the manifests want; their ML names are searched for unowned
                look-alikes (adoption / conflict detection).
        """
        ...

    def applying(
        self, actions: Sequence[Action], *, resolve: Resolver
    ) -> contextlib.AbstractContextManager[None]:
        """The scope in which ``actions`` (the plan) are applied; the backend may prepare for them.

        Args:
            actions: every action of the plan, before the first ``apply``.
            resolve: the same id lookup ``apply`` gets (it never reads the target).
        """
        ...

    def apply(self, action: Action, *, secrets: Secrets, resolve: Resolver) -> str | None:
        """Execute one plan action, journal it and keep its ownership record; returns the resource id.

        Args:
            action: the step; ``action.body`` references other resources by logical name.
            secrets: credential values per resource (used for connectors only, never logged).
            resolve: id lookup for resources applied earlier in the run or already owned.
        """
        ...

    def recover(self) -> RecoveryReport:
        """Finish or undo the pending intents left by a run that crashed (call under the lock)."""
        ...

    def acquire_lock(self, run_id: str, holder: str, *, ttl_seconds: int = 3600) -> LockInfo:
        """Take the target's lock; raises LockError naming the holder and the unlock command."""
        ...

    def renew_lock(self, lock_id: str) -> None:
        """Extend a held lock's life by its TTL again; LockError when it is no longer ours."""
        ...

    def release_lock(self, lock_id: str) -> None:
        """Release a lock this run holds (no error when already gone)."""
        ...

    def break_lock(self, lock_id: str) -> LockInfo:
        """Remove a (stale) lock by its exact id; raises LockError when the id does not match."""
        ...

    def predict(
        self, model: str, body: Mapping[str, Any], *, algorithm: str | None = None
    ) -> Mapping[str, Any]:
        """Call ``_predict`` on the owned model with logical name ``model``.

        With ``algorithm`` (e.g. ``text_embedding`` for ``{"text_docs": [...]}``) the
        ``/_plugins/_ml/_predict/{algorithm}/{id}`` form is used.
        """
        ...

    def close(self) -> None:
        """Release connections."""
        ...
