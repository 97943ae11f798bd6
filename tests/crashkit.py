"""A crash standing in for SIGKILL in in-process tests: the crashing request and every later one die.

SIGKILL stops every thread of the process at once, the background bookkeeping flush included, so
raising in the one thread that reached the crash point is not enough: the transport dies with it.
"""

import itertools
from collections.abc import Callable
from pathlib import Path

import httpx

from mlgitops.backends.opensearch.backend import OpenSearchBackend
from mlgitops.backends.opensearch.client import MLCommonsClient
from mlgitops.backends.opensearch.locking import TargetLock
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


def open_mortal_target(
    directory: Path, crash_after: int | None = None
) -> tuple[LocalEngine, OpenSearchBackend]:
    """The engine in ``directory`` behind a REST backend killed after its ``crash_after``-th mutation.

    Every "process" of a test has the same pid: the lock takes the previous holder for dead, as after a
    killed run.
    """
    engine = LocalEngine(directory)
    transport = MortalTransport(engine)
    http = httpx.Client(transport=transport, base_url="http://local-engine")
    client = MLCommonsClient(http, crash_after_mutation=crash_after, crash=transport.kill)
    return engine, OpenSearchBackend(client, lock=TargetLock(client, is_alive=lambda pid: False))


def crash_at_every_point(
    root: Path, run: Callable[[Path, int | None], object], check: Callable[[Path], None]
) -> int:
    """Kill ``run`` after its 1st, 2nd... mutation (each in a new directory under ``root``), rerun, ``check``.

    Bookkeeping writes share requests as timing allows, so a run's mutation count varies: every point is
    tried until a run finishes before reaching it; returns that point.
    """
    for point in itertools.count(1):
        directory = root / f"crash-{point}"
        try:
            run(directory, point)
        except Killed:
            run(directory, None)
            check(directory)
            continue
        check(directory)
        return point
    raise AssertionError("unreachable")
