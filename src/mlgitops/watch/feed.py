"""A background file watcher: running before the first pass, Ctrl-C left to the main thread."""

import logging
import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from types import TracebackType

logger = logging.getLogger(__name__)

Batches = Callable[[threading.Event], Iterable[frozenset[Path]]]
_JOIN_SECONDS = 5.0


class _End:
    """Marks the end of the batches (or carries the exception that ended them)."""

    def __init__(self, error: BaseException | None = None) -> None:
        self.error = error


class ChangeFeed:
    """Iterate the batches produced by each ``source(stop_event)``, each on its own daemon thread.

    Use as a context manager: entering starts the threads (so file events are captured from then
    on, even during the first pass), leaving sets the stop event and joins them. Batches that pile
    up while a pass runs are merged into one. Iteration ends when every source has ended; it
    blocks in the main thread, where ``KeyboardInterrupt`` can reach it, and re-raises an
    exception raised by a source.
    """

    def __init__(self, *sources: Batches) -> None:
        self._stop = threading.Event()
        self._queue: queue.Queue[frozenset[Path] | _End] = queue.Queue()
        self._threads = [
            threading.Thread(target=self._produce, args=(source,), name=f"mlgitops-watch-{n}", daemon=True)
            for n, source in enumerate(sources)
        ]
        self._running = len(self._threads)

    def __enter__(self) -> "ChangeFeed":
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(_JOIN_SECONDS)
            if thread.is_alive():
                logger.warning("the file watcher did not stop within %.0f s", _JOIN_SECONDS)

    def _produce(self, source: Batches) -> None:
        try:
            for batch in source(self._stop):
                self._queue.put(batch)
        except BaseException as exc:
            self._queue.put(_End(exc))
        else:
            self._queue.put(_End())

    def __iter__(self) -> Iterator[frozenset[Path]]:
        while self._running:
            item = self._queue.get()
            if isinstance(item, _End):
                self._running -= 1
                if item.error is not None:
                    raise item.error
                continue
            yield self._drain(item)

    def _drain(self, first: frozenset[Path]) -> frozenset[Path]:
        """Merge every batch already waiting: one pass covers a burst of saves."""
        merged = set(first)
        while True:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                return frozenset(merged)
            if isinstance(item, _End):
                self._queue.put(item)  # seen again by the next get
                return frozenset(merged)
            merged |= item
