"""The lock heartbeat: renews until stopped, stops the apply when the lock is lost, survives blips."""

# mypy: allow-untyped-defs, allow-untyped-calls

import threading
from pathlib import Path

import pytest

from mlgitops.cli.wiring import open_backend
from mlgitops.errors import BackendUnavailableError, LockError
from mlgitops.plan.report import Status
from mlgitops.service import reconcile_once
from mlgitops.service.heartbeat import Heartbeat

WAIT = 30  # seconds: only a safety net, the events normally fire within a few beats


class Renewals:
    """A renew callback that fails as scripted and signals after ``enough`` calls."""

    def __init__(self, errors=(), enough=3):
        self.errors = list(errors)
        self.calls = 0
        self.enough = enough
        self.done = threading.Event()

    def __call__(self):
        self.calls += 1
        if self.calls >= self.enough:
            self.done.set()
        if self.errors:
            raise self.errors.pop(0)


def test_renews_repeatedly_and_survives_a_transient_failure():
    renew = Renewals(errors=[BackendUnavailableError("blip", 503)])
    with Heartbeat(renew, 0.001) as heartbeat:
        assert renew.done.wait(WAIT)
    heartbeat.check()
    assert heartbeat.lost is None and renew.calls >= 3


def test_a_lost_lock_stops_the_beat_and_refuses_further_steps():
    renew = Renewals(errors=[LockError("lock abc was broken")], enough=1)
    with Heartbeat(renew, 0.001) as heartbeat:
        assert renew.done.wait(WAIT)
    assert renew.calls == 1
    with pytest.raises(LockError, match=r"lost during apply.*lock abc was broken"):
        heartbeat.check()


MANIFESTS = """\
apiVersion: mlgitops/v1
kind: ModelGroup
metadata: {name: first}
spec: {description: one}
---
apiVersion: mlgitops/v1
kind: ModelGroup
metadata: {name: second}
spec: {description: two}
"""


class WaitsForTheLock:
    """The real backend; its first apply waits for a heartbeat (optionally breaking the lock first)."""

    def __init__(self, backend, *, break_it=False):
        self.backend = backend
        self.break_it = break_it
        self.renewed = threading.Event()
        self.calls = 0

    def __getattr__(self, name):
        return getattr(self.backend, name)

    def renew_lock(self, lock_id):
        try:
            self.backend.renew_lock(lock_id)
        finally:
            self.renewed.set()

    def apply(self, action, **kwargs):
        self.calls += 1
        if self.calls == 1:
            if self.break_it:
                self.backend.break_lock(self.backend.client.get_doc(".mlgitops", "lock").source["lock_id"])
            assert self.renewed.wait(WAIT)
        return self.backend.apply(action, **kwargs)


@pytest.fixture
def manifests(tmp_path: Path) -> Path:
    (tmp_path / "m.yaml").write_text(MANIFESTS)
    return tmp_path / "m.yaml"


def test_reconcile_renews_its_lock_while_applying(tmp_path, manifests):
    with open_backend(f"local:{tmp_path / 'engine'}") as backend:
        slow = WaitsForTheLock(backend)
        outcome = reconcile_once([manifests], backend=slow, lock_ttl_seconds=1, parallelism=1)
    assert outcome.ok


def test_reconcile_stops_starting_steps_once_its_lock_is_broken(tmp_path, manifests):
    with open_backend(f"local:{tmp_path / 'engine'}") as backend:
        breaking = WaitsForTheLock(backend, break_it=True)
        outcome = reconcile_once([manifests], backend=breaking, lock_ttl_seconds=1, parallelism=1)
    first, second = outcome.report.steps
    assert first.status == Status.DONE  # already past the check when the lock was broken
    assert second.status == Status.FAILED and "lock was lost during apply" in second.error
