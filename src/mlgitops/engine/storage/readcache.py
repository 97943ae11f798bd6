"""Values read from the store, kept in memory until the database changes (in any process)."""

import threading
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from mlgitops.engine.storage.store import Store

T = TypeVar("T")
MAX_ENTRIES = 1024


class ReadCache:
    """A memo of store reads, dropped as a whole as soon as ``Store.generation`` moves on.

    The generation is read before the value is loaded, so a write that lands in between makes the
    entry stale at once (it is reloaded on the next call), never the other way round. Reads made
    inside an open transaction are not cached: what they see may still be rolled back.
    """

    def __init__(self, store: Store, max_entries: int = MAX_ENTRIES) -> None:
        self._store = store
        self._max_entries = max_entries
        self._generation: tuple[int, int] | None = None
        self._entries: dict[Hashable, Any] = {}
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"ReadCache({len(self._entries)} entries)"  # values may hold credentials: never shown

    def get(self, key: Hashable, load: Callable[[], T]) -> T:
        """The value of ``key``: cached while the database is unchanged, else ``load()`` (not cached
        when it raises)."""
        generation = self._store.generation()
        if generation is None:
            return load()
        with self._lock:
            if generation != self._generation:
                self._entries = {}
                self._generation = generation
            elif key in self._entries:
                found: T = self._entries[key]
                return found
        value = load()
        with self._lock:
            if generation == self._generation:
                if len(self._entries) >= self._max_entries:
                    self._entries = {}
                self._entries[key] = value
        return value

    def clear(self) -> None:
        """Forget every entry."""
        with self._lock:
            self._entries = {}
            self._generation = None
