"""Group commit: a committed write is on disk before it returns, and concurrent commits share one fsync.

SQLite in WAL mode with ``synchronous = FULL`` syncs the write-ahead log inside every COMMIT, while
the store's lock is held: writers queue behind each other's syncs. With ``synchronous = NORMAL`` a
COMMIT only writes the log (it already survives the process being killed) and SQLite syncs it at
checkpoints; :class:`WalSync` then syncs the log after the lock is released and before the write
returns. A sync covers every commit that finished before it started, so writers that committed while
one sync ran are all covered by the next one. A write returns only once it would survive a power
loss, as with ``FULL``, but N concurrent writers cost about two syncs instead of N.
"""

import os
import threading
from collections.abc import Callable
from pathlib import Path

from mlgitops.engine.storage import private
from mlgitops.errors import EngineError

Sync = Callable[[int], None]
# The data and the size of the log, not its times: what SQLite itself uses to sync the log on Linux.
SYNC_LOG: Sync = getattr(os, "fdatasync", os.fsync)


class WalSync:
    """Tickets for commits and the syncs of the WAL file ``wal`` that make them durable."""

    def __init__(self, wal: Path, *, sync: Sync = SYNC_LOG) -> None:
        self._wal = wal
        self._sync = sync
        self._cond = threading.Condition()
        self._committed = 0
        self._durable = 0
        self._syncing = False
        self._fd: int | None = None
        self._identity: tuple[int, int] | None = None

    def committed(self) -> int:
        """Call right after a COMMIT that wrote, under the store's lock; returns the commit's ticket."""
        with self._cond:
            self._committed += 1
            return self._committed

    def wait_durable(self, ticket: int) -> None:
        """Return once the commit ``ticket`` is synced to disk, syncing the log if no one else is.

        Raises:
            EngineError: the log could not be synced (the commit may not survive a power loss).
        """
        with self._cond:
            while self._durable < ticket:
                if self._syncing:
                    self._cond.wait()
                    continue
                covered = self._committed
                self._syncing = True
                self._cond.release()
                try:
                    self._sync_log()
                finally:
                    self._cond.acquire()
                    self._syncing = False
                    self._cond.notify_all()
                self._durable = max(self._durable, covered)

    def _sync_log(self) -> None:
        try:
            self._sync(self._log_fd())
        except OSError as exc:
            raise EngineError(f"cannot sync {self._wal}: {exc.strerror or exc}", 500, "exception") from exc

    def _log_fd(self) -> int:
        """A descriptor of the current WAL file; a new file's directory entry is synced once too."""
        status = self._wal.stat()
        if self._fd is None or (status.st_dev, status.st_ino) != self._identity:
            self.close()
            self._fd = os.open(self._wal, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
            opened = os.fstat(self._fd)
            self._identity = (opened.st_dev, opened.st_ino)
            private.sync_directory(self._wal.parent)
        return self._fd

    def close(self) -> None:
        """Close the descriptor of the WAL file (a later sync opens it again)."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
