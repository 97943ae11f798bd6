"""The watch loop: a pass at start, per batch of changed files and per timer tick; errors never stop it."""

import logging
import time
from collections.abc import Callable, Iterable, Set
from dataclasses import dataclass, replace
from enum import StrEnum
from pathlib import Path

from mlgitops.errors import ConfigError, ManifestError, MlGitOpsError
from mlgitops.watch.interrupts import InterruptGuard
from mlgitops.watch.notices import HeldWarnings

logger = logging.getLogger(__name__)


class Trigger(StrEnum):
    """Why a pass runs."""

    START = "start"
    CHANGE = "change"
    TICK = "tick"


@dataclass(frozen=True)
class WatchReport:
    """What one pass has to show: the rendered plan (and apply result), or the located errors."""

    text: str
    ok: bool = True
    # Said before the next successful pass, when this one failed.
    recovery: str = "manifests are valid again"


OnChange = Callable[[Trigger, frozenset[Path]], WatchReport]


@dataclass(frozen=True)
class PlanView:
    """A rendered plan and whether it has anything to do."""

    text: str
    has_changes: bool


PlanStep = Callable[[], PlanView]
ApplyStep = Callable[[], str]


def make_pass(
    plan: PlanStep, apply: ApplyStep | None = None, *, guard: InterruptGuard | None = None
) -> OnChange:
    """Build the loop's callback: ``plan()`` on every trigger and, when it has changes, ``apply()``.

    ``plan`` validates the manifests, reads the target and renders the plan (raising ManifestError
    with located issues on broken input); ``apply`` reconciles and renders the result. The apply runs
    inside ``guard.critical()`` so Ctrl-C waits for it to finish.
    """
    interrupt_guard = guard or InterruptGuard()

    def on_change(trigger: Trigger, changed: frozenset[Path]) -> WatchReport:
        logger.debug("pass (%s): %d changed file(s)", trigger, len(changed))
        view = plan()
        if apply is None or not view.has_changes:
            return WatchReport(view.text)
        with interrupt_guard.critical():
            result = apply()
        return WatchReport(f"{view.text}\n\n{result}")

    return on_change


def render_error(exc: MlGitOpsError) -> str:
    """The lines to show for a failed pass: every located issue of a ManifestError, else ``error: …``."""
    issues = exc.issues if isinstance(exc, ManifestError) else ()
    lines = [_format_issue(issue) for issue in issues]
    return "\n".join(lines) if lines else f"error: {exc}"


def _format_issue(issue: object) -> str:
    format_issue = getattr(issue, "format", None)
    return str(format_issue()) if callable(format_issue) else str(issue)


def run_pass(
    on_change: OnChange, trigger: Trigger, changed: frozenset[Path], held: HeldWarnings | None = None
) -> WatchReport:
    """Run one pass; a user-fixable error becomes a failed report instead of ending the watch.

    Warnings logged during the pass and held by ``held`` head the report, each once.
    """
    try:
        report = on_change(trigger, changed)
    except MlGitOpsError as exc:
        logger.debug("pass failed: %s", exc)
        files = isinstance(exc, ManifestError | ConfigError)  # the manifests or mlgitops.yaml
        recovery = "manifests are valid again" if files else "recovered from the last error"
        report = WatchReport(render_error(exc), ok=False, recovery=recovery)
    warnings = held.take() if held is not None else ()
    return replace(report, text="\n".join([*warnings, report.text])) if warnings else report


def describe(trigger: Trigger, changed: Set[Path], *, root: Path | None = None) -> str:
    """The header line shown before a pass's report."""
    if trigger is Trigger.START:
        return "[start] planning"
    if trigger is Trigger.TICK:
        return "[interval] re-reading the target"
    shown = sorted(_relative(path, root) for path in changed)
    more = f" (+{len(shown) - 3} more)" if len(shown) > 3 else ""
    return f"[change] {', '.join(shown[:3])}{more}"


def _relative(path: Path, root: Path | None) -> str:
    base = root or Path.cwd()
    try:
        return str(path.resolve().relative_to(base.resolve()))
    except ValueError:
        return str(path)


def _clock() -> str:
    return time.strftime("%H:%M:%S")


class _Printer:
    """Shows reports, keeping timer ticks quiet when nothing differs from what is already on screen.

    The header of a start or change pass is shown as the pass begins (feedback while it plans and
    applies); a timer tick's header only with a report worth showing.
    """

    def __init__(self, emit: Callable[[str], None], clock: Callable[[], str]) -> None:
        self._emit = emit
        self._clock = clock
        self._last: WatchReport | None = None

    def _header(self, trigger: Trigger, changed: frozenset[Path]) -> None:
        self._emit("")
        self._emit(f"{self._clock()} {describe(trigger, changed)}")

    def begin(self, trigger: Trigger, changed: frozenset[Path]) -> None:
        if trigger is not Trigger.TICK:
            self._header(trigger, changed)

    def show(self, trigger: Trigger, changed: frozenset[Path], report: WatchReport) -> None:
        if trigger is Trigger.TICK:
            if report == self._last:
                logger.debug("timer tick: nothing changed")
                return
            self._header(trigger, changed)
        if report.ok and self._last is not None and not self._last.ok:
            self._emit(self._last.recovery)
        self._emit(report.text)
        if not report.ok:
            self._emit("still watching: the next save (or --interval tick) tries again")
        self._last = report


def run_watch(
    changes: Iterable[Set[Path]],
    on_change: OnChange,
    *,
    emit: Callable[[str], None],
    checkpoint: Callable[[], None] = lambda: None,
    held: HeldWarnings | None = None,
    clock: Callable[[], str] = _clock,
) -> None:
    """Run a pass at start and for every batch of ``changes`` until they end.

    A non-empty batch is a change to the manifests; an empty batch is a timer tick (re-read actual
    state to show or heal drift), which prints nothing when the result is the same as last time.
    Errors a user can fix (broken manifests, an unreachable target) are shown and watching goes on;
    ``KeyboardInterrupt`` propagates to the caller. ``checkpoint`` runs after each report is shown:
    ``InterruptGuard.checkpoint`` raises there a Ctrl-C deferred during an apply. Each header is
    stamped with ``clock()`` (local ``HH:MM:SS``); warnings held by ``held`` go into the report.
    """
    printer = _Printer(emit, clock)

    def one_pass(trigger: Trigger, changed: frozenset[Path]) -> None:
        printer.begin(trigger, changed)
        printer.show(trigger, changed, run_pass(on_change, trigger, changed, held))
        checkpoint()

    one_pass(Trigger.START, frozenset())
    for batch in changes:
        changed = frozenset(batch)
        one_pass(Trigger.CHANGE if changed else Trigger.TICK, changed)
