"""A crash standing in for SIGKILL in in-process tests: the crashing request and every later one die.

SIGKILL stops every thread of the process at once, the background bookkeeping flush included, so
raising in the one thread that reached the crash point is not enough: the transport dies with it.
"""

import httpx

from mlgitops.engine import LocalEngine
from mlgitops.engine.http.transport import EngineTransport


class Killed(BaseException):
    """Stands for SIGKILL: nothing after the crash point runs (BaseException skips `except Exception`)."""


class MortalTransport(httpx.BaseTransport):
    """The engine's in-process transport, dead for good once ``kill`` ran (the client's crash hook)."""

    def __init__(self, engine: LocalEngine) -> None:
        self._inner = EngineTransport(engine)
        self.dead = False

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if self.dead:
            raise Killed
        return self._inner.handle_request(request)

    def kill(self) -> None:
        self.dead = True
        raise Killed
