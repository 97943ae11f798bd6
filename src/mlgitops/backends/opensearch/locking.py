"""The target lock: document ``lock`` in ``.mlgitops``, created atomically with ``_create``."""

import contextlib
import logging
import os
import secrets
import socket
import time
from collections.abc import Callable
from datetime import UTC, datetime

from mlgitops import processes
from mlgitops.backends.base import LockInfo
from mlgitops.backends.opensearch.client import Json, MLCommonsClient
from mlgitops.backends.opensearch.records import INDEX
from mlgitops.errors import BackendConflictError, LockError

logger = logging.getLogger(__name__)

LOCK_DOC = "lock"


def _info(source: Json) -> LockInfo:
    return LockInfo(
        lock_id=str(source.get("lock_id", "")),
        holder=str(source.get("holder", "unknown")),
        run_id=str(source.get("run_id", "")),
        created=str(source.get("created", "")),
        ttl_seconds=int(source.get("ttl_seconds", 0)),
    )


def _held_error(info: LockInfo) -> LockError:
    return LockError(
        f"the target is locked by {info.holder} (run {info.run_id}) since {info.created}; "
        f"if that run is gone, break the lock with: mlgitops unlock {info.lock_id}"
    )


class TargetLock:
    """Acquire, renew, release and break the lock of one target.

    A lock expires when it was neither created nor renewed (``renew``, the holder's heartbeat) within
    its TTL; a lock whose holder process is gone from this very host (same hostname, pid no longer
    running: a killed run) is stale too; both are taken over with a warning. A lock whose holder is
    alive on this host is never taken over, expired or not; one of this host without a usable pid
    only by expiry. Any other held lock raises LockError
    naming the holder and ``mlgitops unlock <lock-id>``.
    """

    def __init__(
        self,
        client: MLCommonsClient,
        *,
        clock: Callable[[], float] = time.time,
        host: str | None = None,
        pid: int | None = None,
        is_alive: Callable[[int], bool] = processes.is_running,
    ) -> None:
        """Bind to a target; ``clock``/``host``/``pid``/``is_alive`` are injectable for tests."""
        self._client = client
        self._clock = clock
        self._host = host or socket.gethostname()
        self._pid = os.getpid() if pid is None else pid
        self._is_alive = is_alive
        # The version of each lock this process wrote, by lock id: releasing it deletes exactly that.
        self._written: dict[str, tuple[int, int]] = {}

    def _note(self, lock_id: object, response: Json) -> None:
        seq_no, term = response.get("_seq_no"), response.get("_primary_term")
        if isinstance(seq_no, int) and isinstance(term, int) and not isinstance(seq_no, bool):
            self._written[str(lock_id)] = (seq_no, term)

    def acquire(self, run_id: str, holder: str, ttl_seconds: int = 3600) -> LockInfo:
        """Take the lock or raise LockError; a stale lock is taken over."""
        now = self._clock()
        source = {
            "type": "lock", "lock_id": secrets.token_hex(8), "holder": holder, "run_id": run_id,
            "created": datetime.fromtimestamp(now, UTC).isoformat(timespec="seconds"), "created_s": now,
            "ttl_seconds": ttl_seconds, "host": self._host, "pid": self._pid,
        }  # fmt: skip
        try:
            self._note(source["lock_id"], self._client.create_doc(INDEX, LOCK_DOC, source))
        except BackendConflictError:
            self._take_over(source)
        return _info(source)

    def _take_over(self, source: Json) -> None:
        """Replace a stale lock atomically (only if unchanged since read); LockError when it is live."""
        document = self._client.get_doc(INDEX, LOCK_DOC)
        if document is None:  # released in between
            self._create_or_fail(source)
            return
        held = document.source
        if held.get("lock_id") == source["lock_id"]:
            return  # our own create, answered ambiguously and retried
        info = _info(held)
        last_sign_of_life = max(float(held.get("created_s", 0)), float(held.get("renewed_s", 0)))
        expired = self._clock() > last_sign_of_life + info.ttl_seconds
        # Only a recorded pid of this host tells alive from dead; without one, the TTL alone decides.
        pid_here = processes.usable_pid(held.get("pid")) if held.get("host") == self._host else None
        alive_here = pid_here is not None and self._is_alive(pid_here)
        dead = pid_here is not None and not alive_here
        if alive_here or not (expired or dead):
            raise _held_error(info)
        reason = "expired" if expired else "its process is gone"
        logger.warning("taking over stale lock %s of %s (%s)", info.lock_id, info.holder, reason)
        try:
            written = self._client.put_doc(
                INDEX, LOCK_DOC, source, if_seq_no=document.seq_no, if_primary_term=document.primary_term
            )
        except BackendConflictError:
            self._raise_current()
        self._note(source["lock_id"], written)

    def _create_or_fail(self, source: Json) -> None:
        try:
            self._note(source["lock_id"], self._client.create_doc(INDEX, LOCK_DOC, source))
        except BackendConflictError:
            self._raise_current()

    def _raise_current(self) -> None:
        held = self.current()
        raise _held_error(held or LockInfo("?", "another run", "?", "just now", 0))

    def current(self) -> LockInfo | None:
        """The lock currently held, if any."""
        document = self._client.get_doc(INDEX, LOCK_DOC)
        return None if document is None else _info(document.source)

    def renew(self, lock_id: str) -> None:
        """Record a sign of life of our lock (``renewed_s``), only if it is still ours and unchanged.

        Raises:
            LockError: the lock was broken (``mlgitops unlock``) or taken over since.
        """
        document = self._client.get_doc(INDEX, LOCK_DOC)
        if document is None or document.source.get("lock_id") != lock_id:
            holder = "nobody" if document is None else _info(document.source).holder
            raise LockError(f"lock {lock_id} was broken or taken over (now held by {holder})")
        source = {**document.source, "renewed_s": self._clock()}
        try:
            written = self._client.put_doc(
                INDEX, LOCK_DOC, source, if_seq_no=document.seq_no, if_primary_term=document.primary_term
            )
        except BackendConflictError as exc:
            raise LockError(f"lock {lock_id} changed while renewing it (broken or taken over)") from exc
        self._note(lock_id, written)

    def release(self, lock_id: str) -> None:
        """Release our lock; a lock held under another id, or changed since we wrote it, is left alone.

        A lock this process wrote goes in one conditional delete of the version it wrote (nothing can
        take it over in between); another is read first.
        """
        written = self._written.pop(lock_id, None)
        if written is not None:
            with contextlib.suppress(BackendConflictError):  # broken and taken since: not ours any more
                self._client.delete_doc(INDEX, LOCK_DOC, if_seq_no=written[0], if_primary_term=written[1])
            return
        held = self.current()
        if held is not None and held.lock_id == lock_id:
            self._client.delete_doc(INDEX, LOCK_DOC)

    def break_lock(self, lock_id: str) -> LockInfo:
        """Remove the lock when ``lock_id`` is exactly its id; LockError otherwise."""
        held = self.current()
        if held is None:
            raise LockError("the target is not locked")
        if held.lock_id != lock_id:
            raise LockError(
                f"lock id {lock_id!r} does not match the held lock "
                f"{held.lock_id} ({held.holder}); copy the id from the lock error"
            )
        self._client.delete_doc(INDEX, LOCK_DOC)
        return held
