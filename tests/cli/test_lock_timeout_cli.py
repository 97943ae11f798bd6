"""``--lock-timeout``: reconcile waits for another run's lock, then fails with the holder named."""

# mypy: allow-untyped-defs, allow-untyped-calls

import argparse
import threading
import time

import pytest

from clikit import run
from mlgitops.cli.options import duration
from mlgitops.cli.wiring import open_backend


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("30s", 30.0), ("5m", 300.0), ("1h30m", 5400.0), ("500ms", 0.5), ("1.5s", 1.5), ("0", 0.0)],
)
def test_durations(text: str, seconds: float) -> None:
    assert duration(text) == seconds


@pytest.mark.parametrize("text", ["", "30", "5x", "-1s", "s", "1m-2s", "30 s", "1e3s"])
def test_bad_durations_are_refused(text: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError, match=r"write a number with a unit, e\.g\. 30s, 5m"):
        duration(text)


@pytest.mark.parametrize("command", ["reconcile", "watch"])
def test_a_bad_lock_timeout_is_a_usage_error(capsys, command: str) -> None:
    with pytest.raises(SystemExit) as exited:
        run(capsys, command, "--lock-timeout", "soon")
    assert exited.value.code == 64
    err = capsys.readouterr().err
    assert "argument --lock-timeout: invalid duration 'soon'" in err
    assert "Traceback" not in err


def test_reconcile_waits_for_a_lock_released_meanwhile(capsys, env, local_target):
    with open_backend(local_target) as backend:
        lock = backend.acquire_lock("run-elsewhere", "ci@runner-7")
    released = threading.Event()

    def release_later() -> None:
        time.sleep(0.6)
        with open_backend(local_target) as other:
            other.release_lock(lock.lock_id)
        released.set()

    thread = threading.Thread(target=release_later)
    thread.start()
    try:
        code, out, err = run(capsys, "reconcile", *env, "--lock-timeout", "30s")
    finally:
        thread.join()
    assert code == 0, err
    assert released.is_set()
    assert "Apply: 19 done" in out


def test_reconcile_fails_with_the_lock_message_when_the_wait_runs_out(capsys, env, local_target):
    with open_backend(local_target) as backend:
        lock = backend.acquire_lock("run-elsewhere", "ci@runner-7")
    started = time.monotonic()
    code, _, err = run(capsys, "reconcile", *env, "--lock-timeout", "400ms")
    assert time.monotonic() - started >= 0.4
    assert code == 1
    assert "still locked after waiting 0.4 s: the target is locked by ci@runner-7" in err
    assert f"mlgitops unlock {lock.lock_id} --target" in err
