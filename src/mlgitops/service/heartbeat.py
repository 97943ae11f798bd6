"""Keep the target lock alive while a run applies: renew it on a thread every third of its TTL."""

import logging
import threading
from collections.abc import Callable
from types import TracebackType

from mlgitops.errors import LockError, MlGitOpsError

logger = logging.getLogger(__name__)


class Heartbeat:
    """Calls ``renew`` every ``interval`` seconds until the ``with`` block ends.

    A LockError from ``renew`` (the lock was broken or taken over) stops the beat and is kept:
    ``check()`` then refuses to start further steps. Other errors (the target briefly unreachable)
    are logged and the next beat tries again.
    """

    def __init__(self, renew: Callable[[], None], interval: float) -> None:
        """Prepare the beat; it starts when the ``with`` block is entered."""
        self._renew = renew
        self._interval = max(interval, 0.001)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="mlgitops-lock-heartbeat", daemon=True)
        self.lost: LockError | None = None

    def __enter__(self) -> "Heartbeat":
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._stop.set()
        self._thread.join()

    def _loop(self) -> None:
        while not self._stop.wait(self._interval):
            try:
                self._renew()
            except LockError as exc:
                logger.error("lost the target lock during apply: %s", exc)
                self.lost = exc
                return
            except MlGitOpsError as exc:
                logger.warning("could not renew the target lock (will retry): %s", exc)

    def check(self) -> None:
        """LockError when the lock was lost: no further step may start."""
        if self.lost is not None:
            raise LockError(f"not started: the target lock was lost during apply ({self.lost})")
