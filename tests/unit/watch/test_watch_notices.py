"""Warnings logged during a pass are held back from the log and shown once, in the pass's report."""

import io
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from mlgitops.watch import HeldWarnings, Trigger, WatchReport, run_watch

WARNING = "m/openai.yaml:24:7: warning: ${parameters.messages} has no default"


@pytest.fixture
def stream() -> Iterator[tuple[io.StringIO, logging.Handler]]:
    """A handler on the ``mlgitops`` logger writing to a string, like the CLI's stderr handler."""
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    package = logging.getLogger("mlgitops")
    package.addHandler(handler)
    yield out, handler
    package.removeHandler(handler)


def log_pass_warnings() -> None:
    """What one pass with --apply logs: the manifests' warning from the plan and again from the apply."""
    inputs = logging.getLogger("mlgitops.service.inputs")
    inputs.warning("%s", WARNING, extra={"located": True})
    inputs.info("read 6 documents")
    inputs.warning("%s", WARNING, extra={"located": True})
    logging.getLogger("mlgitops.service.passes").warning("the target did not converge")
    logging.getLogger("httpx").warning("not ours")
    logging.getLogger("mlgitops.watch.feed").warning("about the session")


def test_held_warnings_are_taken_once_each_formatted_by_their_handler(
    stream: tuple[io.StringIO, logging.Handler],
) -> None:
    out, handler = stream
    logging.getLogger("httpx").addHandler(handler)
    try:
        with HeldWarnings().installed([handler]) as held:
            log_pass_warnings()
            assert held.take() == (f"WARNING {WARNING}", "WARNING the target did not converge")
            assert held.take() == ()
    finally:
        logging.getLogger("httpx").removeHandler(handler)
    assert out.getvalue().splitlines() == ["WARNING not ours", "WARNING about the session"]
    assert not handler.filters


def test_warnings_are_printed_again_after_uninstalling(stream: tuple[io.StringIO, logging.Handler]) -> None:
    out, handler = stream
    with HeldWarnings().installed([handler]):
        pass
    logging.getLogger("mlgitops.service.inputs").warning("%s", WARNING)
    assert out.getvalue() == f"WARNING {WARNING}\n"


def test_each_pass_shows_its_warnings_once_under_its_header_and_ticks_stay_quiet(
    stream: tuple[io.StringIO, logging.Handler],
) -> None:
    out, handler = stream

    def on_change(trigger: Trigger, changed: frozenset[Path]) -> WatchReport:
        log_pass_warnings()
        return WatchReport("No changes.")

    lines: list[str] = []
    with HeldWarnings().installed([handler]) as held:
        run_watch([set(), set()], on_change, emit=lines.append, held=held, clock=lambda: "t")
    assert lines == [
        "",
        "t [start] planning",
        f"WARNING {WARNING}\nWARNING the target did not converge\nNo changes.",
    ]
    assert WARNING not in out.getvalue()
