"""Group commit: a write is synced before it returns, concurrent writers share syncs, a kill loses nothing."""

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from mlgitops.engine.storage.store import Store
from mlgitops.errors import EngineError

CAP_SECONDS = 30


class RecordingSync:
    """A fake fsync: records which documents were committed when each sync began (then syncs for real)."""

    def __init__(self, db: Path, pause: float = 0.0) -> None:
        self.db = db
        self.pause = pause
        self.covered: list[set[str]] = []
        self.lock = threading.Lock()

    def __call__(self, fd: int) -> None:
        reader = sqlite3.connect(self.db)
        try:
            ids = {row[0] for row in reader.execute("SELECT id FROM documents")}
        finally:
            reader.close()
        with self.lock:
            self.covered.append(ids)
        time.sleep(self.pause)
        os.fsync(fd)

    def synced(self, doc_id: str) -> bool:
        with self.lock:
            return any(doc_id in ids for ids in self.covered)


def test_a_write_returns_only_once_a_sync_that_began_after_its_commit_is_done(tmp_path: Path) -> None:
    sync = RecordingSync(tmp_path / "db")
    store = Store(tmp_path / "db", sync=sync)
    try:
        for n in range(3):
            with store.write() as tx:
                tx.put("idx", f"doc-{n}", {"n": n})
            assert sync.synced(f"doc-{n}")
        syncs = len(sync.covered)
        with store.read() as tx:
            assert len(tx.scan("idx")) == 3
        with store.write() as tx:  # a write transaction that writes nothing has nothing to sync
            tx.get("idx", "doc-0")
        assert len(sync.covered) == syncs
    finally:
        store.close()


def test_concurrent_writers_share_syncs(tmp_path: Path) -> None:
    sync = RecordingSync(tmp_path / "db", pause=0.05)
    store = Store(tmp_path / "db", sync=sync)
    writers = 16
    start = threading.Barrier(writers)
    unsynced: list[str] = []

    def write(n: int) -> None:
        start.wait(CAP_SECONDS)
        with store.write() as tx:
            tx.put("idx", f"doc-{n}", {"n": n})
        if not sync.synced(f"doc-{n}"):
            unsynced.append(f"doc-{n}")

    threads = [threading.Thread(target=write, args=(n,)) for n in range(writers)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(CAP_SECONDS)
        assert unsynced == []
        assert len(sync.covered) <= writers // 2  # one sync covers every commit made while another ran
    finally:
        store.close()


def test_a_failed_sync_fails_the_write_in_one_line_and_the_next_write_syncs_again(tmp_path: Path) -> None:
    failures: list[OSError] = []

    def flaky(fd: int) -> None:
        if failures:
            raise failures.pop()
        os.fsync(fd)

    store = Store(tmp_path / "db", sync=flaky)
    failures.append(OSError(5, "Input/output error"))
    try:
        with (
            pytest.raises(EngineError, match=r"^cannot sync .*db-wal: Input/output error$"),
            store.write() as tx,
        ):
            tx.put("idx", "a", {})
        with store.write() as tx:
            tx.put("idx", "b", {})
        with store.read() as tx:
            assert [row.id for row in tx.scan("idx")] == ["a", "b"]
    finally:
        store.close()


_KILLED_BEFORE_SYNC = """
import os, sys, threading
from pathlib import Path
from mlgitops.engine.storage.store import Store

armed = False

def stall(fd):
    if not armed:
        os.fsync(fd)
        return
    Path(sys.argv[2]).write_text("committed, not yet synced")
    threading.Event().wait()

store = Store(Path(sys.argv[1]), sync=stall)
armed = True
with store.write() as tx:
    tx.put("idx", "kept", {"x": 1})
"""


def test_a_process_killed_between_commit_and_sync_loses_nothing(tmp_path: Path) -> None:
    """The committed log survives the process (the sync only guards against power loss)."""
    marker = tmp_path / "marker"
    env = {key: value for key, value in os.environ.items() if key != "MLGITOPS_MASTER_KEY"}
    child = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(_KILLED_BEFORE_SYNC), str(tmp_path / "db"), str(marker)],
        env=env,
    )
    try:
        deadline = time.monotonic() + CAP_SECONDS
        while not marker.exists():
            assert child.poll() is None and time.monotonic() < deadline
            time.sleep(0.01)
        child.send_signal(signal.SIGKILL)
        child.wait(CAP_SECONDS)
    finally:
        if child.poll() is None:
            child.kill()
    store = Store(tmp_path / "db")
    try:
        with store.read() as tx:
            row = tx.get("idx", "kept")
        assert row is not None
        assert row.source == {"x": 1}
    finally:
        store.close()
