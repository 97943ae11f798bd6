"""The watch loop driven by injected change batches: passes, errors, recovery, quiet timer ticks."""

import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from mlgitops.errors import BackendUnavailableError, ConfigError, ManifestError
from mlgitops.watch import Trigger, WatchReport, describe, render_error, run_watch


@dataclass(frozen=True)
class FakeIssue:
    path: str
    line: int
    message: str

    def format(self) -> str:
        return f"{self.path}:{self.line}:1: error: {self.message}"


class Scripted:
    """An on_change callback answering from a script of reports or exceptions."""

    def __init__(self, *results: WatchReport | Exception) -> None:
        self.results = list(results)
        self.calls: list[tuple[Trigger, frozenset[Path]]] = []

    def __call__(self, trigger: Trigger, changed: frozenset[Path]) -> WatchReport:
        self.calls.append((trigger, changed))
        result = self.results.pop(0)
        if isinstance(result, Exception):
            raise result
        return result


def clock() -> str:
    return "12:00:00"


def run(batches: list[set[Path]], callback: Scripted) -> list[str]:
    lines: list[str] = []
    run_watch(batches, callback, emit=lines.append, clock=clock)
    return lines


def test_plans_at_start_and_on_every_batch(tmp_path: Path) -> None:
    a, b = tmp_path / "a.yaml", tmp_path / "b.yaml"
    callback = Scripted(WatchReport("plan 0"), WatchReport("plan 1"), WatchReport("plan 2"))
    lines = run([{a}, {a, b}], callback)
    assert [call[0] for call in callback.calls] == [Trigger.START, Trigger.CHANGE, Trigger.CHANGE]
    assert callback.calls[2][1] == frozenset({a, b})
    assert lines[:3] == ["", "12:00:00 [start] planning", "plan 0"]
    assert "plan 1" in lines and "plan 2" in lines


def test_broken_edit_shows_located_errors_and_keeps_watching(tmp_path: Path) -> None:
    issues = (FakeIssue("m/a.yaml", 3, "bad kind"), FakeIssue("m/a.yaml", 9, "missing spec"))
    callback = Scripted(
        WatchReport("plan 0"),
        ManifestError("2 errors", issues),
        WatchReport("plan fixed"),
    )
    lines = run([{tmp_path / "a.yaml"}, {tmp_path / "a.yaml"}], callback)
    text = "\n".join(lines)
    assert "m/a.yaml:3:1: error: bad kind\nm/a.yaml:9:1: error: missing spec" in text
    assert "still watching" in text
    assert lines.index("manifests are valid again") < lines.index("plan fixed")
    assert len(callback.calls) == 3


def test_target_errors_do_not_stop_the_watch() -> None:
    callback = Scripted(BackendUnavailableError("cannot reach https://x:9200"), WatchReport("plan"))
    lines = run([{Path("a.yaml")}], callback)
    assert "error: cannot reach https://x:9200" in lines
    assert lines[-2:] == ["recovered from the last error", "plan"]  # not "manifests are valid again"


def test_a_broken_project_file_recovers_like_a_manifest() -> None:
    callback = Scripted(ConfigError("mlgitops.yaml:3:1: unknown key 'enviroments'"), WatchReport("plan"))
    lines = run([{Path("mlgitops.yaml")}], callback)
    assert lines[-2:] == ["manifests are valid again", "plan"]


def test_bugs_propagate() -> None:
    callback = Scripted(WatchReport("plan"), RuntimeError("bug"))
    with pytest.raises(RuntimeError):
        run([{Path("a.yaml")}], callback)


def test_timer_ticks_are_quiet_when_nothing_changed() -> None:
    callback = Scripted(
        WatchReport("No changes."),
        WatchReport("No changes."),
        WatchReport("~ drifted"),
        WatchReport("~ drifted"),
        WatchReport("No changes."),
    )
    lines = run([set(), set(), set(), set()], callback)
    assert lines.count("No changes.") == 2
    assert lines.count("~ drifted") == 1
    assert lines.count("12:00:00 [interval] re-reading the target") == 2
    assert [call[0] for call in callback.calls][1:] == [Trigger.TICK] * 4


def test_a_change_is_always_shown_even_when_the_plan_is_the_same() -> None:
    callback = Scripted(WatchReport("No changes."), WatchReport("No changes."))
    lines = run([{Path("a.yaml")}], callback)
    assert lines.count("No changes.") == 2


def test_render_error_without_issues() -> None:
    assert render_error(ManifestError("no manifests found in m")) == "error: no manifests found in m"


def test_describe_lists_at_most_three_files(tmp_path: Path) -> None:
    files = {tmp_path / f"{name}.yaml" for name in "abcde"}
    assert describe(Trigger.CHANGE, files, root=tmp_path) == "[change] a.yaml, b.yaml, c.yaml (+2 more)"
    assert (
        describe(Trigger.CHANGE, {Path("/elsewhere/x.yaml")}, root=tmp_path) == "[change] /elsewhere/x.yaml"
    )


def test_checkpoint_runs_after_each_report_is_shown() -> None:
    lines: list[str] = []
    callback = Scripted(WatchReport("plan 0"), WatchReport("Apply: 3 done"), WatchReport("never"))
    checks: list[int] = []

    def checkpoint() -> None:
        checks.append(len(lines))
        if len(checks) == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_watch(
            [{Path("a.yaml")}, {Path("a.yaml")}],
            callback,
            emit=lines.append,
            checkpoint=checkpoint,
            clock=clock,
        )
    assert lines[-1] == "Apply: 3 done"
    assert len(callback.calls) == 2


def test_a_change_header_is_shown_before_its_pass_runs(tmp_path: Path) -> None:
    lines: list[str] = []
    seen_at_call: list[list[str]] = []

    def on_change(trigger: Trigger, changed: frozenset[Path]) -> WatchReport:
        seen_at_call.append(list(lines))
        return WatchReport(f"plan {len(seen_at_call)}")

    run_watch([{tmp_path / "a.yaml"}, set()], on_change, emit=lines.append, clock=clock)
    assert seen_at_call[0][-1] == "12:00:00 [start] planning"
    assert seen_at_call[1][-1] == f"12:00:00 [change] {tmp_path / 'a.yaml'}"
    # A tick's header waits for a report worth showing: none is on screen while it runs.
    assert seen_at_call[2][-1] == "plan 2"
    assert lines[-3:] == ["", "12:00:00 [interval] re-reading the target", "plan 3"]


def test_passes_are_separated_by_a_blank_line_and_stamped() -> None:
    callback = Scripted(WatchReport("plan 0"), WatchReport("plan 1"))
    lines: list[str] = []
    run_watch([{Path("a.yaml")}], callback, emit=lines.append)
    assert lines[0] == "" and lines[3] == ""
    stamp, header = lines[1].split(" ", 1)
    assert header == "[start] planning"
    assert re.fullmatch(r"\d\d:\d\d:\d\d", stamp)
