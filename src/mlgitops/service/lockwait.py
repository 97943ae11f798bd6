"""Wait for the target lock: retry a refused acquire with growing pauses until a deadline."""

import logging
import time
from collections.abc import Callable

from mlgitops.backends.base import LockInfo
from mlgitops.errors import LockError

logger = logging.getLogger(__name__)

FIRST_PAUSE = 0.1
LONGEST_PAUSE = 2.0


def acquire_waiting(
    acquire: Callable[[], LockInfo],
    timeout: float,
    *,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> LockInfo:
    """``acquire()``, retried while it raises LockError, for up to ``timeout`` seconds.

    Pauses start at 0.1 s and double up to 2 s (never past the deadline). ``timeout`` 0 tries once.

    Raises:
        LockError: still locked at the deadline; the holder's message, saying how long we waited.
    """
    deadline = clock() + timeout
    pause = FIRST_PAUSE
    while True:
        try:
            return acquire()
        except LockError as exc:
            remaining = deadline - clock()
            if timeout <= 0:
                raise
            if remaining <= 0:
                raise LockError(f"still locked after waiting {timeout:g} s: {exc}") from exc
            logger.info("the target is locked; waiting up to %.1f s more: %s", remaining, exc)
            sleep(min(pause, remaining))
            pause = min(pause * 2, LONGEST_PAUSE)
