"""Ctrl-C is deferred while an apply runs and raised as soon as it ends; it interrupts at once otherwise."""

import os
import signal
import threading

import pytest

from mlgitops.errors import BackendError
from mlgitops.watch import InterruptGuard, PlanView, Trigger, make_pass


def send_sigint() -> None:
    os.kill(os.getpid(), signal.SIGINT)
    # The Python-level handler runs at the next bytecode boundary of the main thread; a trivial
    # call gives it one before the test goes on.
    signal.getsignal(signal.SIGINT)


def test_sigint_outside_a_critical_section_interrupts_at_once() -> None:
    guard = InterruptGuard()
    with guard.installed(), pytest.raises(KeyboardInterrupt):
        send_sigint()


def test_sigint_during_a_critical_section_is_deferred_to_the_checkpoint() -> None:
    notes: list[str] = []
    guard = InterruptGuard(notes.append)
    finished = []
    with guard.installed():
        with guard.critical():
            send_sigint()
            send_sigint()  # more Ctrl-C while the apply runs: still deferred, each note shown once
            send_sigint()
            finished.append("apply done")
        assert guard.pending
        with pytest.raises(KeyboardInterrupt):
            guard.checkpoint()
    assert finished == ["apply done"]
    assert notes == [
        "interrupt received: finishing the apply in progress, then exiting",
        "still waiting for the apply to finish; Ctrl-\\ quits at once "
        "(then break the lock it leaves with 'mlgitops unlock LOCK_ID')",
    ]
    assert not guard.pending


def test_a_failed_apply_propagates_and_the_interrupt_stays_pending() -> None:
    guard = InterruptGuard(lambda note: None)
    with guard.installed():
        with pytest.raises(BackendError, match="connector update refused"), guard.critical():
            send_sigint()
            raise BackendError("connector update refused")
        with pytest.raises(KeyboardInterrupt):
            guard.checkpoint()


def test_checkpoint_without_an_interrupt_does_nothing() -> None:
    guard = InterruptGuard()
    with guard.critical():
        pass
    guard.checkpoint()


def test_sigint_after_the_critical_section_interrupts_at_once() -> None:
    guard = InterruptGuard()
    with guard.installed():
        with guard.critical():
            pass
        with pytest.raises(KeyboardInterrupt):
            send_sigint()


def test_errors_without_an_interrupt_pass_through() -> None:
    guard = InterruptGuard()
    with pytest.raises(BackendError), guard.critical():
        raise BackendError("refused")
    guard.checkpoint()


def test_previous_handlers_are_restored() -> None:
    before = [signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)]
    with InterruptGuard().installed() as guard:
        assert signal.getsignal(signal.SIGINT) == guard.handle
        assert signal.getsignal(signal.SIGTERM) == guard.handle
    assert [signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)] == before


def test_sigterm_is_deferred_like_ctrl_c() -> None:
    guard = InterruptGuard(lambda note: None)
    with guard.installed():
        with guard.critical():
            os.kill(os.getpid(), signal.SIGTERM)
            signal.getsignal(signal.SIGTERM)
        with pytest.raises(KeyboardInterrupt):
            guard.checkpoint()


def test_install_is_a_no_op_off_the_main_thread() -> None:
    seen: list[object] = []

    def worker() -> None:
        with InterruptGuard().installed():
            seen.append(signal.getsignal(signal.SIGINT))

    thread = threading.Thread(target=worker)
    thread.start()
    thread.join()
    assert seen == [signal.getsignal(signal.SIGINT)]


def test_make_pass_applies_only_when_the_plan_has_changes() -> None:
    applied: list[str] = []
    views = [PlanView("No changes.", False), PlanView("+ create Connector/a", True)]

    def apply() -> str:
        applied.append("x")
        return "Apply complete: 1 done."

    on_change = make_pass(lambda: views.pop(0), apply)
    assert on_change(Trigger.START, frozenset()).text == "No changes."
    report = on_change(Trigger.TICK, frozenset())
    assert report.text == "+ create Connector/a\n\nApply complete: 1 done."
    assert applied == ["x"]


def test_make_pass_runs_the_apply_in_the_guards_critical_section() -> None:
    guard = InterruptGuard()
    steps: list[str] = []

    def apply() -> str:
        send_sigint()
        steps.append("records written")
        return "applied"

    on_change = make_pass(lambda: PlanView("+ x", True), apply, guard=guard)
    with guard.installed():
        report = on_change(Trigger.CHANGE, frozenset())
        assert guard.pending
    assert steps == ["records written"]
    assert report.text == "+ x\n\napplied"


def test_make_pass_without_apply_only_plans() -> None:
    on_change = make_pass(lambda: PlanView("+ x", True))
    assert on_change(Trigger.CHANGE, frozenset()).text == "+ x"
