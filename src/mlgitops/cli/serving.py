"""Serve until ^C or SIGTERM: the shared shape of ``engine serve`` and ``standin serve``."""

import signal
from collections.abc import Callable
from types import FrameType


class _Terminated(BaseException):
    """Raised from the SIGTERM handler to leave serve_forever.

    A BaseException, like KeyboardInterrupt: socketserver swallows an ``Exception`` raised while it
    starts a request thread, and the server would then ignore the SIGTERM.
    """


def _raise_terminated(_signum: int, _frame: FrameType | None) -> None:
    raise _Terminated


def serve_until_terminated(serve_forever: Callable[[], None]) -> bool:
    """Run ``serve_forever``; True when SIGTERM stopped it (^C still raises KeyboardInterrupt)."""
    previous = signal.signal(signal.SIGTERM, _raise_terminated)
    try:
        serve_forever()
    except _Terminated:
        return True
    finally:
        signal.signal(signal.SIGTERM, previous)
    return False
