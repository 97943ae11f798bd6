"""Warnings logged during a pass, held back and shown once each, under the pass's header."""

import logging
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

# The watch package's own notices (e.g. the watcher not stopping) are about the session, not a pass.
_OWN_LOGGER = "mlgitops.watch"


class HeldWarnings:
    """Holds back ``mlgitops`` warnings from the log handlers and hands them over after each pass.

    A pass plans and, with ``--apply``, reconciles: both load the manifests, so the same
    ``FILE:LINE:COL: warning`` would be printed twice per pass, above the pass's header, and again
    on every quiet timer tick. Installed on the handlers, this filter keeps each warning (formatted
    by the handler that would have printed it) until :meth:`take`, which the loop puts in the
    pass's report: once per pass, in place, and compared like the rest of the report.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._held: dict[tuple[int, str], str] = {}

    def hold(self, handler: logging.Handler, record: logging.LogRecord) -> bool:
        """The filter for ``handler``: False (do not print) for a warning that is held instead."""
        if record.levelno < logging.WARNING or not _is_held(record.name):
            return True
        key = (record.levelno, record.getMessage())
        with self._lock:
            if key not in self._held:
                self._held[key] = handler.format(record)
        return False

    def take(self) -> tuple[str, ...]:
        """The warnings held since the last call, each once, in the order they were first logged."""
        with self._lock:
            held, self._held = tuple(self._held.values()), {}
        return held

    @contextmanager
    def installed(self, handlers: Sequence[logging.Handler] | None = None) -> Iterator["HeldWarnings"]:
        """Hold warnings from ``handlers`` (default: the root logger's) until the block ends."""
        targets = list(logging.getLogger().handlers if handlers is None else handlers)
        filters = [(handler, _BoundFilter(self, handler)) for handler in targets]
        for handler, bound in filters:
            handler.addFilter(bound)
        try:
            yield self
        finally:
            for handler, bound in filters:
                handler.removeFilter(bound)


def _is_held(name: str) -> bool:
    in_package = name == "mlgitops" or name.startswith("mlgitops.")
    return in_package and not (name == _OWN_LOGGER or name.startswith(f"{_OWN_LOGGER}."))


class _BoundFilter(logging.Filter):
    """A handler's filter that hands warnings to a :class:`HeldWarnings`."""

    def __init__(self, held: HeldWarnings, handler: logging.Handler) -> None:
        super().__init__()
        self._held = held
        self._handler = handler

    def filter(self, record: logging.LogRecord) -> bool:
        return self._held.hold(self._handler, record)
