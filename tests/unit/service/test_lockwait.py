"""Waiting for the target lock: retries with growing pauses, then the holder's message."""

import pytest

from mlgitops.backends.base import LockInfo
from mlgitops.errors import LockError
from mlgitops.service.lockwait import acquire_waiting

HELD = "the target is locked by alice@one (run r1) since t; if that run is gone, break the lock with: x"
LOCK = LockInfo("id1", "bob@two", "r2", "now", 60)


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0
        self.pauses: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.pauses.append(seconds)
        self.now += seconds


def refusing(times: int):
    calls: list[int] = []

    def acquire() -> LockInfo:
        calls.append(1)
        if len(calls) <= times:
            raise LockError(HELD)
        return LOCK

    return acquire, calls


def test_without_a_timeout_a_held_lock_fails_at_once() -> None:
    clock = FakeClock()
    acquire, calls = refusing(1)
    with pytest.raises(LockError, match=r"^the target is locked by alice@one"):
        acquire_waiting(acquire, 0, clock=clock, sleep=clock.sleep)
    assert calls == [1] and clock.pauses == []


def test_a_lock_released_while_waiting_is_taken_with_doubling_pauses() -> None:
    clock = FakeClock()
    acquire, calls = refusing(6)
    assert acquire_waiting(acquire, 60, clock=clock, sleep=clock.sleep) == LOCK
    assert len(calls) == 7
    assert clock.pauses == [0.1, 0.2, 0.4, 0.8, 1.6, 2.0]


def test_at_the_deadline_the_holder_is_named_with_the_time_waited() -> None:
    clock = FakeClock()
    acquire, _ = refusing(1000)
    with pytest.raises(LockError) as err:
        acquire_waiting(acquire, 5, clock=clock, sleep=clock.sleep)
    assert str(err.value) == f"still locked after waiting 5 s: {HELD}"
    assert clock.now == pytest.approx(5.0)
    assert max(clock.pauses) <= 2.0
