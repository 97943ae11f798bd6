"""Two reconciles of one target never interleave: the second is refused while the first applies."""

# mypy: allow-untyped-defs, allow-untyped-calls

import threading
import time
from typing import Any, cast

import pytest

from manifestkit import documents, model_group, openai_connector
from mlgitops.backends.base import Backend
from mlgitops.cli.wiring import open_backend
from mlgitops.errors import LockError
from mlgitops.service import plan_once, reconcile_once

ENV = {"CONCURRENCY_KEY": "sk-concurrency-secret-61d0"}
MANIFESTS = documents(model_group("group", "concurrency test"), openai_connector("conn", "CONCURRENCY_KEY"))


def client_of(backend: Backend) -> Any:
    """The REST client behind a backend (to act on the engine directly, as a user would)."""
    return cast(Any, backend).client


class PausingBackend:
    """The real backend; its first apply waits until the test lets it go."""

    def __init__(self, backend):
        self.backend = backend
        self.started = threading.Event()
        self.resume = threading.Event()

    def __getattr__(self, name):
        return getattr(self.backend, name)

    def apply(self, action, **kwargs):
        self.started.set()
        assert self.resume.wait(timeout=30)
        return self.backend.apply(action, **kwargs)


def test_second_reconcile_is_refused_while_the_first_applies(tmp_path):
    manifests = tmp_path / "manifests"
    manifests.mkdir()
    (manifests / "all.yaml").write_text(MANIFESTS)
    target = f"local:{tmp_path / 'engine'}"
    outcomes = []
    with open_backend(target) as first_backend, open_backend(target) as second_backend:
        first = PausingBackend(first_backend)

        def first_run():
            outcomes.append(reconcile_once([manifests], backend=first, environ=ENV, holder="alice@one"))

        thread = threading.Thread(target=first_run)
        thread.start()
        try:
            assert first.started.wait(timeout=30)
            with pytest.raises(LockError, match="alice@one"):
                reconcile_once([manifests], backend=second_backend, environ=ENV, holder="bob@two")
        finally:
            first.resume.set()
            thread.join(timeout=60)
        assert outcomes and outcomes[0].ok
        assert plan_once([manifests], backend=second_backend, environ=ENV).plan.is_empty
        everything: dict[str, Any] = {"match_all": {}}
        assert len(client_of(second_backend).search_connectors(everything)) == 1
        assert len(client_of(second_backend).search_model_groups(everything)) == 1


def _paused_first_run(tmp_path, first_backend):
    """Start reconcile #1 on a thread; returns (manifests, first, thread, outcomes) once it applies."""
    manifests = tmp_path / "manifests"
    manifests.mkdir()
    (manifests / "all.yaml").write_text(MANIFESTS)
    first = PausingBackend(first_backend)
    outcomes = []

    def first_run():
        outcomes.append(reconcile_once([manifests], backend=first, environ=ENV, holder="alice@one"))

    thread = threading.Thread(target=first_run)
    thread.start()
    assert first.started.wait(timeout=30)
    return manifests, first, thread, outcomes


def test_with_a_lock_timeout_the_second_reconcile_waits_for_the_first(tmp_path):
    target = f"local:{tmp_path / 'engine'}"
    with open_backend(target) as first_backend, open_backend(target) as second_backend:
        manifests, first, thread, outcomes = _paused_first_run(tmp_path, first_backend)
        timer = threading.Timer(0.5, first.resume.set)
        timer.start()
        try:
            second = reconcile_once(
                [manifests], backend=second_backend, environ=ENV, holder="bob@two", lock_timeout=30
            )
        finally:
            first.resume.set()
            thread.join(timeout=60)
            timer.join()
        assert outcomes and outcomes[0].ok
        # The second planned only after the first had applied everything: it had nothing left to do.
        assert second.ok and second.plan.is_empty
        everything: dict[str, Any] = {"match_all": {}}
        assert len(client_of(second_backend).search_connectors(everything)) == 1


def test_the_second_reconcile_gives_up_when_its_lock_timeout_expires(tmp_path):
    target = f"local:{tmp_path / 'engine'}"
    with open_backend(target) as first_backend, open_backend(target) as second_backend:
        manifests, first, thread, outcomes = _paused_first_run(tmp_path, first_backend)
        try:
            started = time.monotonic()
            with pytest.raises(LockError, match=r"^still locked after waiting 0\.5 s: .*alice@one"):
                reconcile_once(
                    [manifests], backend=second_backend, environ=ENV, holder="bob@two", lock_timeout=0.5
                )
            assert 0.5 <= time.monotonic() - started < 5
            assert not outcomes  # the first run was still applying all along
        finally:
            first.resume.set()
            thread.join(timeout=60)
        assert outcomes and outcomes[0].ok
