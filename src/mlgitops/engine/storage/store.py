"""SQLite store: WAL mode, one ``BEGIN IMMEDIATE`` transaction per mutation, safe across processes.

A write returns once it is on disk: the write-ahead log is synced after each COMMIT that wrote, one
sync shared by the writers that committed meanwhile (``durability``).
"""

import contextlib
import json
import logging
import os
import re
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from mlgitops.engine.storage import durability, private
from mlgitops.errors import EngineError

logger = logging.getLogger(__name__)

GROUP_INDEX = ".plugins-ml-model-group"
CONNECTOR_INDEX = ".plugins-ml-connector"
MODEL_INDEX = ".plugins-ml-model"
TASK_INDEX = ".plugins-ml-task"
SYSTEM_TABLES = {
    GROUP_INDEX: "model_groups",
    CONNECTOR_INDEX: "connectors",
    MODEL_INDEX: "models",
    TASK_INDEX: "tasks",
}
BUSY_TIMEOUT_MS = 30_000
# Test-only hook: after this many write statements in this process, create the file named by
# PAUSE_FILE_ENV and block forever inside the open transaction (tests SIGKILL the process there).
PAUSE_AFTER_ENV = "MLGITOPS_TEST_ENGINE_PAUSE_AFTER_WRITES"
PAUSE_FILE_ENV = "MLGITOPS_TEST_ENGINE_PAUSE_FILE"

_RESOURCE_TABLE = (
    "CREATE TABLE IF NOT EXISTS {} (id TEXT PRIMARY KEY, source TEXT NOT NULL, version INTEGER NOT NULL,"
    " seq_no INTEGER NOT NULL)"
)
_SCHEMA = [
    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS settings (scope TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,"
    " PRIMARY KEY (scope, key))",
    *(_RESOURCE_TABLE.format(table) for table in SYSTEM_TABLES.values()),
    "CREATE TABLE IF NOT EXISTS indices (name TEXT PRIMARY KEY, created_time INTEGER NOT NULL)",
    "CREATE TABLE IF NOT EXISTS documents (idx TEXT NOT NULL, id TEXT NOT NULL, source TEXT NOT NULL,"
    " version INTEGER NOT NULL, seq_no INTEGER NOT NULL, PRIMARY KEY (idx, id))",
    "CREATE TABLE IF NOT EXISTS credentials (owner_id TEXT NOT NULL, key TEXT NOT NULL,"
    " ciphertext TEXT NOT NULL, PRIMARY KEY (owner_id, key))",
    # Paged reads walk the write order from a cursor; lookups by these fields avoid full scans.
    *(f"CREATE INDEX IF NOT EXISTS {table}_seq_no ON {table} (seq_no)" for table in SYSTEM_TABLES.values()),
    "CREATE INDEX IF NOT EXISTS documents_seq_no ON documents (idx, seq_no)",
    *(
        f"CREATE INDEX IF NOT EXISTS {table}_{field} ON {table} (json_extract(source, '$.{field}'))"
        for table, field in (
            ("models", "connector_id"),
            ("models", "model_group_id"),
            ("model_groups", "name"),
            ("tasks", "state"),
        )
    ),
]
_FIELD_NAME = re.compile(r"[a-z_]+")


@dataclass(frozen=True)
class Row:
    """One stored document with OpenSearch-style versioning."""

    index: str
    id: str
    source: dict[str, Any]
    version: int
    seq_no: int


class _WriteCounter:
    """Counts write statements for the test-only pause hook."""

    count = 0

    @classmethod
    def tick(cls) -> None:
        limit = os.environ.get(PAUSE_AFTER_ENV)
        if not limit:
            return
        cls.count += 1
        if cls.count == int(limit):
            Path(os.environ[PAUSE_FILE_ENV]).write_text(f"{os.getpid()}\n", encoding="ascii")
            threading.Event().wait()


class Sealer(Protocol):
    """Keeps designated fields of plain documents out of the stored text (see ``sealing``)."""

    def applies_to(self, index: str) -> bool:
        """True when some document of ``index`` has sealed fields."""
        ...

    def seal(self, tx: "Transaction", index: str, doc_id: str, source: dict[str, Any]) -> dict[str, Any]:
        """The source to store."""
        ...

    def unseal(self, tx: "Transaction", index: str, doc_id: str, source: dict[str, Any]) -> dict[str, Any]:
        """The source as written."""
        ...

    def forget(self, tx: "Transaction", index: str, doc_id: str | None = None) -> None:
        """Drop sealed fields of a deleted document (or index)."""
        ...


class _SeqNo:
    """The store-wide sequence number within one transaction: read once, written back before COMMIT."""

    def __init__(self) -> None:
        self.value: int | None = None
        self.changed = False


class Transaction:
    """Reads and writes inside one SQLite transaction."""

    def __init__(
        self, conn: sqlite3.Connection, sealer: Sealer | None = None, seq: _SeqNo | None = None
    ) -> None:
        self._conn = conn
        self._sealer = sealer
        self._seq = _SeqNo() if seq is None else seq

    def _sealing(self, index: str) -> Sealer | None:
        return self._sealer if self._sealer is not None and self._sealer.applies_to(index) else None

    def _row(self, index: str, found: Any, sealer: Sealer | None) -> Row:
        source = json.loads(found[1])
        if sealer is not None:
            source = sealer.unseal(self, index, found[0], source)
        return Row(index, found[0], source, found[2], found[3])

    def _exec(self, sql: str, params: tuple[Any, ...] = ()) -> sqlite3.Cursor:
        return self._conn.execute(sql, params)

    def _write(self, sql: str, params: tuple[Any, ...] = ()) -> sqlite3.Cursor:
        cursor = self._conn.execute(sql, params)
        _WriteCounter.tick()
        return cursor

    def _where(self, index: str) -> tuple[str, str, tuple[Any, ...]]:
        table = SYSTEM_TABLES.get(index)
        if table is not None:
            return table, "", ()
        return "documents", " AND idx = ?", (index,)

    def get(self, index: str, doc_id: str) -> Row | None:
        """The document ``doc_id`` of ``index``, or None."""
        table, extra, params = self._where(index)
        found = self._exec(
            f"SELECT id, source, version, seq_no FROM {table} WHERE id = ?{extra}",  # noqa: S608 - fixed names
            (doc_id, *params),
        ).fetchone()
        return None if found is None else self._row(index, found, self._sealing(index))

    def scan(self, index: str) -> list[Row]:
        """Every document of ``index`` in write order."""
        return list(self.rows(index))

    def rows(self, index: str, after_seq_no: int = -1) -> Iterator[Row]:
        """The documents of ``index`` with a sequence number above ``after_seq_no`` (write order, lazily)."""
        table, extra, params = self._where(index)
        cursor = self._exec(
            f"SELECT id, source, version, seq_no FROM {table} WHERE seq_no > ?{extra} ORDER BY seq_no",  # noqa: S608
            (after_seq_no, *params),
        )
        sealer = self._sealing(index)
        for found in cursor:
            yield self._row(index, found, sealer)

    def find(self, index: str, field: str, value: str) -> list[Row]:
        """The documents of a system index whose top-level ``field`` equals ``value``, in write order."""
        table = SYSTEM_TABLES[index]
        if _FIELD_NAME.fullmatch(field) is None:
            raise ValueError(f"not a plain field name: {field!r}")
        found = self._exec(
            f"SELECT id, source, version, seq_no FROM {table} WHERE json_extract(source, '$.{field}') = ?"  # noqa: S608
            " ORDER BY seq_no",
            (value,),
        ).fetchall()
        return [Row(index, r[0], json.loads(r[1]), r[2], r[3]) for r in found]

    def count(self, index: str) -> int:
        """How many documents ``index`` holds."""
        table, extra, params = self._where(index)
        return int(self._exec(f"SELECT COUNT(*) FROM {table} WHERE 1 = 1{extra}", params).fetchone()[0])  # noqa: S608

    def next_seq_no(self) -> int:
        """A store-wide increasing sequence number (stored when the transaction commits)."""
        if self._seq.value is None:
            self._seq.value = int(self.meta_get("seq_no") or "-1")
        self._seq.value += 1
        self._seq.changed = True
        return self._seq.value

    def store_seq_no(self) -> None:
        """Write the sequence number back (before COMMIT) when this transaction moved it on."""
        if self._seq.changed and self._seq.value is not None:
            self.meta_set("seq_no", str(self._seq.value))
            self._seq.changed = False

    def _version(self, index: str, doc_id: str) -> int | None:
        table, extra, params = self._where(index)
        found = self._exec(
            f"SELECT version FROM {table} WHERE id = ?{extra}",  # noqa: S608 - fixed names
            (doc_id, *params),
        ).fetchone()
        return None if found is None else int(found[0])

    def put(self, index: str, doc_id: str, source: dict[str, Any]) -> Row:
        """Create or replace a document; bumps its version and sequence number."""
        existing = self._version(index, doc_id)
        version = 1 if existing is None else existing + 1
        seq_no = self.next_seq_no()
        sealer = self._sealing(index)
        stored = source if sealer is None else sealer.seal(self, index, doc_id, source)
        text = json.dumps(stored, separators=(",", ":"))
        table = SYSTEM_TABLES.get(index)
        if table is None:
            self._write(
                "INSERT OR REPLACE INTO documents (idx, id, source, version, seq_no) VALUES (?, ?, ?, ?, ?)",
                (index, doc_id, text, version, seq_no),
            )
        else:
            self._write(
                f"INSERT OR REPLACE INTO {table} (id, source, version, seq_no) VALUES (?, ?, ?, ?)",  # noqa: S608
                (doc_id, text, version, seq_no),
            )
        return Row(index, doc_id, source, version, seq_no)

    def delete(self, index: str, doc_id: str) -> Row | None:
        """Delete a document; returns it as it was (version bumped), or None if it did not exist."""
        existing = self.get(index, doc_id)
        if existing is None:
            return None
        table, extra, params = self._where(index)
        self._write(f"DELETE FROM {table} WHERE id = ?{extra}", (doc_id, *params))  # noqa: S608
        sealer = self._sealing(index)
        if sealer is not None:
            sealer.forget(self, index, doc_id)
        return Row(index, doc_id, existing.source, existing.version + 1, self.next_seq_no())

    def meta_get(self, key: str) -> str | None:
        """A value of the store's own metadata."""
        found = self._exec("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if found is None else str(found[0])

    def meta_set(self, key: str, value: str) -> None:
        """Set a metadata value."""
        self._write("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

    def settings(self, scope: str) -> dict[str, Any]:
        """Flat settings of one scope (``persistent`` / ``transient``)."""
        rows = self._exec("SELECT key, value FROM settings WHERE scope = ? ORDER BY key", (scope,)).fetchall()
        return {r[0]: json.loads(r[1]) for r in rows}

    def set_setting(self, scope: str, key: str, value: Any) -> None:
        """Set one setting; None removes it."""
        if value is None:
            self._write("DELETE FROM settings WHERE scope = ? AND key = ?", (scope, key))
        else:
            self._write(
                "INSERT OR REPLACE INTO settings (scope, key, value) VALUES (?, ?, ?)",
                (scope, key, json.dumps(value)),
            )

    def index_names(self) -> list[str]:
        """The user-created document indices."""
        return [r[0] for r in self._exec("SELECT name FROM indices ORDER BY name").fetchall()]

    def has_index(self, name: str) -> bool:
        """True when the user-created document index ``name`` exists."""
        return self._exec("SELECT 1 FROM indices WHERE name = ?", (name,)).fetchone() is not None

    def create_index(self, name: str, created_ms: int) -> bool:
        """Create a document index; False when it already exists."""
        if self.has_index(name):
            return False
        self._write("INSERT INTO indices (name, created_time) VALUES (?, ?)", (name, created_ms))
        return True

    def drop_index(self, name: str) -> bool:
        """Delete a document index and its documents; False when it did not exist."""
        if name not in self.index_names():
            return False
        self._write("DELETE FROM documents WHERE idx = ?", (name,))
        self._write("DELETE FROM indices WHERE name = ?", (name,))
        sealer = self._sealing(name)
        if sealer is not None:
            sealer.forget(self, name)
        return True

    def ciphertexts(self, owner_id: str | None = None) -> list[tuple[str, str, str]]:
        """``(owner_id, key, ciphertext)`` rows, for one owner or all."""
        params: tuple[str, ...] = ()
        if owner_id is None:
            sql = "SELECT owner_id, key, ciphertext FROM credentials ORDER BY owner_id, key"
        else:
            sql = "SELECT owner_id, key, ciphertext FROM credentials WHERE owner_id = ? ORDER BY key"
            params = (owner_id,)
        return [(r[0], r[1], r[2]) for r in self._exec(sql, params).fetchall()]

    def put_ciphertext(self, owner_id: str, key: str, ciphertext: str) -> None:
        """Store one encrypted credential value."""
        self._write(
            "INSERT OR REPLACE INTO credentials (owner_id, key, ciphertext) VALUES (?, ?, ?)",
            (owner_id, key, ciphertext),
        )

    def delete_ciphertexts(self, owner_id: str) -> None:
        """Forget every credential of one resource."""
        self._write("DELETE FROM credentials WHERE owner_id = ?", (owner_id,))


class Store:
    """One SQLite database file shared by threads (one connection, a lock) and processes (file locks)."""

    def __init__(
        self,
        path: Path,
        *,
        busy_timeout_ms: int = BUSY_TIMEOUT_MS,
        sync: durability.Sync = durability.SYNC_LOG,
    ) -> None:
        """Open (or create) the database at ``path``; ``sync`` makes the log durable (tests pass a fake)."""
        self.path = path
        self.sealer: Sealer | None = None
        self._lock = threading.RLock()
        self._depth = 0
        self._seq = _SeqNo()
        self._log: durability.WalSync | None = None
        try:
            private.create_database_file(path)
            self._conn = sqlite3.connect(
                path, timeout=busy_timeout_ms / 1000, isolation_level=None, check_same_thread=False
            )
        except (OSError, sqlite3.Error) as exc:
            raise EngineError(f"cannot open engine database {path}: {exc}", 500, "exception") from exc
        try:
            self._conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
            if self._conn.execute("PRAGMA journal_mode = WAL").fetchone()[0] == "wal":
                # COMMIT writes the log; it is synced after the lock is released (see ``durability``).
                self._conn.execute("PRAGMA synchronous = NORMAL")
                self._log = durability.WalSync(Path(f"{path}-wal"), sync=sync)
            else:  # a file system without shared memory for WAL: SQLite syncs inside each COMMIT
                self._conn.execute("PRAGMA synchronous = FULL")
            self._conn.execute("PRAGMA secure_delete = ON")
            self._create_schema()
        except (sqlite3.Error, EngineError) as exc:
            self._conn.close()
            reason = exc.__cause__ if isinstance(exc, EngineError) else exc
            raise EngineError(f"cannot open engine database {path}: {reason}", 500, "exception") from exc

    def _create_schema(self) -> None:
        before = self._conn.execute("PRAGMA schema_version").fetchone()[0]
        with self.write() as tx:
            for statement in _SCHEMA:
                tx._exec(statement)
        if self._log is not None and self._conn.execute("PRAGMA schema_version").fetchone()[0] != before:
            self._log.wait_durable(self._log.committed())

    def _failed(self, exc: sqlite3.Error) -> EngineError:
        """Roll back after a database error and describe it in one line."""
        with contextlib.suppress(sqlite3.Error):  # also when the connection is already closed
            if self._conn.in_transaction:
                self._conn.execute("ROLLBACK")
        return EngineError(f"engine database {self.path}: {exc}", 500, "exception")

    @contextmanager
    def _transaction(self, begin: str) -> Iterator[Transaction]:
        ticket = None
        with self._lock:
            if self._depth:
                self._depth += 1
                try:
                    yield Transaction(self._conn, self.sealer, self._seq)
                finally:
                    self._depth -= 1
                return
            try:
                self._conn.execute(begin)
            except sqlite3.Error as exc:
                raise self._failed(exc) from exc
            self._depth = 1
            self._seq = _SeqNo()
            changes = self._conn.total_changes
            try:
                outer = Transaction(self._conn, self.sealer, self._seq)
                yield outer
                outer.store_seq_no()
                self._conn.execute("COMMIT")
            except sqlite3.Error as exc:
                raise self._failed(exc) from exc
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            finally:
                self._depth = 0
            if self._log is not None and self._conn.total_changes != changes:
                ticket = self._log.committed()
        if ticket is not None and self._log is not None:
            self._log.wait_durable(ticket)  # outside the lock: other writers commit meanwhile

    @contextmanager
    def write(self) -> Iterator[Transaction]:
        """A write transaction (``BEGIN IMMEDIATE``): all or nothing, serialised across processes."""
        with self._transaction("BEGIN IMMEDIATE") as tx:
            yield tx

    @contextmanager
    def read(self) -> Iterator[Transaction]:
        """A read transaction: a consistent snapshot."""
        with self._transaction("BEGIN") as tx:
            yield tx

    def generation(self) -> tuple[int, int] | None:
        """A value that changes whenever the database's content may have: ``PRAGMA data_version``
        moves on when another connection (any process) commits, this connection's change count when
        it writes. Read it before reading what is to be cached; equal values mean nothing changed.
        None inside an open transaction of this connection, whose writes may still be rolled back."""
        with self._lock:
            if self._conn.in_transaction:
                return None
            try:
                version = self._conn.execute("PRAGMA data_version").fetchone()[0]
            except sqlite3.Error as exc:
                raise self._failed(exc) from exc
            return int(version), self._conn.total_changes

    def close(self) -> None:
        """Close the database connection."""
        with self._lock:
            self._conn.close()
            if self._log is not None:
                self._log.close()
