"""Targets kept open across the passes of a watch session: the engine or HTTP client is opened once."""

import contextlib
import logging
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType

from mlgitops.backends.opensearch import backend as opensearch
from mlgitops.cli import wiring
from mlgitops.cli.localbackend import LocalEngineBackend
from mlgitops.engine import LocalEngine
from mlgitops.engine.http.transport import EngineTransport

logger = logging.getLogger(__name__)


class _Kept:
    """One open target: its connection and, for ``local:DIR``, the engine and its database file."""

    def __init__(self, connection: opensearch.Connection, engine: LocalEngine | None = None) -> None:
        self.connection = connection
        self.engine = engine
        self._identity = _identity(engine.store.path) if engine is not None else None

    def is_current(self) -> bool:
        """False when the engine's database file was removed or replaced since it was opened."""
        return self.engine is None or _identity(self.engine.store.path) == self._identity

    def backend(self) -> opensearch.OpenSearchBackend:
        """A backend with no state from earlier passes, over the kept connection."""
        fresh = self.connection.backend()
        if self.engine is None:
            return fresh
        # Tasks of a process that stopped since the last pass are failed, as opening the engine does.
        self.engine.recover_tasks()
        return LocalEngineBackend(fresh.client, self.engine)

    def close(self) -> None:
        self.connection.close()
        if self.engine is not None:
            self.engine.close()


def _identity(path: Path) -> tuple[int, int] | None:
    try:
        stat = path.stat()
    except OSError:
        return None
    return stat.st_dev, stat.st_ino


class KeptTargets:
    """Open each target on first use and keep it open until ``close`` (a context manager).

    Every use gets a new backend (nothing carried over from one pass to the next: changed resources,
    run id, first-run checks) over the kept connection: the local engine (database, master key) or the
    HTTP client with its keep-alive connections. Another process's writes are seen (each read is a new
    SQLite transaction; a rotated master key is reloaded by the vault). A ``local:DIR`` whose database
    was removed or replaced is opened again; one that does not exist yet is not kept when planning
    (an empty stand-in, as ``wiring.open_backend`` gives), so the engine a reconcile creates later is
    used as soon as it exists.
    """

    def __init__(self) -> None:
        self._kept: dict[str, _Kept] = {}

    def __enter__(self) -> "KeptTargets":
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    @contextlib.contextmanager
    def backend(
        self, target: str | None, *, missing: wiring.Missing = wiring.Missing.CREATE
    ) -> Iterator[opensearch.OpenSearchBackend]:
        """The backend of ``target`` for one pass (same errors as ``wiring.open_backend``)."""
        target = target or wiring.DEFAULT_TARGET
        if missing is not wiring.Missing.CREATE and wiring.missing_local_engine(target) is not None:
            with wiring.open_backend(target, missing=missing) as backend:
                yield backend
            return
        yield self._connection(target).backend()

    def _connection(self, target: str) -> _Kept:
        kept = self._kept.get(target)
        if kept is not None and not kept.is_current():
            logger.info("the engine of %s was replaced; opening it again", target)
            self._forget(target)
            kept = None
        if kept is None:
            kept = self._kept[target] = _open(target)
        return kept

    def _forget(self, target: str) -> None:
        kept = self._kept.pop(target, None)
        if kept is not None:
            kept.close()

    def close(self) -> None:
        """Close every kept target."""
        for target in list(self._kept):
            self._forget(target)


def _open(target: str) -> _Kept:
    if target.startswith(wiring.LOCAL_PREFIX):
        engine = LocalEngine(Path(wiring.local_directory(target)))
        return _Kept(opensearch.Connection(wiring.LOCAL_BASE_URL, transport=EngineTransport(engine)), engine)
    if target.startswith(wiring.REMOTE_PREFIXES):
        return _Kept(opensearch.Connection(target))
    raise wiring.unknown_target(target)
