"""Ctrl-C handling for watch: interrupt at once while idle or planning, never in the middle of an apply."""

import logging
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType

logger = logging.getLogger(__name__)

# Ctrl-C, and the polite stop of service managers and CI runners: both wait for an apply.
SIGNALS = (signal.SIGINT, signal.SIGTERM)
FINISHING = "interrupt received: finishing the apply in progress, then exiting"
# Killing the process mid-apply is safe (the next reconcile recovers) but leaves the target locked.
STILL_FINISHING = (
    "still waiting for the apply to finish; Ctrl-\\ quits at once "
    "(then break the lock it leaves with 'mlgitops unlock LOCK_ID')"
)


class InterruptGuard:
    """A SIGINT/SIGTERM handler that defers ``KeyboardInterrupt`` from a critical section to a checkpoint.

    Outside a critical section Ctrl-C raises ``KeyboardInterrupt`` at once. Inside one (an apply),
    it is only remembered, so the apply finishes and its ownership records are written; the caller
    then shows the result and calls :meth:`checkpoint`, which raises the deferred interrupt. A
    second Ctrl-C while one is pending raises at once after a critical section ends, never inside;
    it says how to quit at once (Ctrl-\\, SIGQUIT) for an apply that hangs.
    """

    def __init__(self, notify: Callable[[str], None] | None = None) -> None:
        self._notify = notify or (lambda message: logger.warning("%s", message))
        self._depth = 0
        self._pending = False
        self._warned_again = False

    @property
    def pending(self) -> bool:
        """True when a Ctrl-C arrived during a critical section and waits for :meth:`checkpoint`."""
        return self._pending

    def handle(self, signum: int, frame: FrameType | None) -> None:
        """The signal handler: raise now, or defer while a critical section runs."""
        del signum, frame
        if self._depth == 0:
            raise KeyboardInterrupt
        if not self._pending:
            self._notify(FINISHING)
        elif not self._warned_again:
            self._warned_again = True
            self._notify(STILL_FINISHING)
        self._pending = True

    @contextmanager
    def critical(self) -> Iterator[None]:
        """Run the block with Ctrl-C deferred (exceptions from the block propagate unchanged)."""
        self._depth += 1
        try:
            yield
        finally:
            self._depth -= 1

    def checkpoint(self) -> None:
        """Raise the ``KeyboardInterrupt`` deferred during a critical section, if any."""
        if self._pending and self._depth == 0:
            self._pending = self._warned_again = False
            raise KeyboardInterrupt

    @contextmanager
    def installed(self) -> Iterator["InterruptGuard"]:
        """Handle SIGINT and SIGTERM (main thread only); the previous handlers are restored after."""
        if threading.current_thread() is not threading.main_thread():
            yield self
            return
        previous = {signum: signal.signal(signum, self.handle) for signum in SIGNALS}
        try:
            yield self
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)
