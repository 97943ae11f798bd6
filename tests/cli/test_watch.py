"""``mlgitops watch`` as a subprocess on a local target: edits re-plan, broken saves recover, Ctrl-C exits."""

import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from mlgitops.cli.commands import watch as watch_command
from mlgitops.cli.main import main

CAP_SECONDS = 20
RETRY_SECONDS = 2.0

GROUP = """apiVersion: mlgitops/v1
kind: ModelGroup
metadata:
  name: remote-models
spec:
  description: {description}
"""


CHAT = """apiVersion: mlgitops/v1
kind: Connector
metadata:
  name: chat
spec:
  name: chat
  description: chat
  version: "1"
  protocol: http
  parameters:
    endpoint: api.openai.com
    model: gpt-4o-mini
  credential:
    openAI_key: {env: MLGITOPS_TEST_OPENAI_KEY}
  actions:
    - action_type: predict
      method: POST
      url: https://${parameters.endpoint}/v1/chat/completions
      headers:
        Authorization: Bearer ${credential.openAI_key}
      request_body: '{ "model": "${parameters.model}", "messages": ${parameters.messages} }'
"""


class Watch:
    """A running ``python -m mlgitops watch``; its merged output read line by line with a bounded wait."""

    def __init__(self, cwd: Path, *args: str) -> None:
        env = {**os.environ, "PYTHONUNBUFFERED": "1", "NO_COLOR": "1"}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "mlgitops", *args],
            cwd=cwd,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=env,
        )
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.output: list[str] = []
        self.unreturned: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)

    def expect(self, text: str, timeout: float = CAP_SECONDS) -> list[str]:
        """Lines up to and including the first one containing ``text``; AssertionError after ``timeout``.

        The lines returned start after those of the last successful call, so lines read by a call
        that timed out are not lost; the deadline holds however many other lines keep arriving.
        """
        deadline = time.monotonic() + timeout
        while True:
            try:
                line = self.lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                raise AssertionError(
                    f"{text!r} not seen; output so far:\n" + "\n".join(self.output)
                ) from None
            if line is None:
                self.lines.put(None)
                raise AssertionError(f"watch exited before {text!r}:\n" + "\n".join(self.output))
            self.output.append(line)
            self.unreturned.append(line)
            if text in line:
                seen, self.unreturned = self.unreturned, []
                return seen

    def save_until(self, path: Path, content: str, text: str) -> list[str]:
        """Save ``path`` until ``text`` shows up (the first save may land before the watcher is up)."""
        for _attempt in range(int(CAP_SECONDS / RETRY_SECONDS)):
            path.write_text(content)
            try:
                return self.expect(text, timeout=RETRY_SECONDS)
            except AssertionError:
                if self.proc.poll() is not None:
                    raise
        raise AssertionError(f"{text!r} not seen after saving {path}:\n" + "\n".join(self.output))

    def interrupt(self) -> int:
        self.proc.send_signal(signal.SIGINT)
        code = self.proc.wait(CAP_SECONDS)
        while (line := self.lines.get(timeout=CAP_SECONDS)) is not None:
            self.output.append(line)
        return code

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(CAP_SECONDS)
        if self.proc.stdout is not None:
            self.proc.stdout.close()


def mlgitops(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """A one-shot ``python -m mlgitops`` (bounded)."""
    argv = [sys.executable, "-m", "mlgitops", *args]
    return subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=CAP_SECONDS)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "manifests").mkdir()
    (tmp_path / "manifests" / "group.yaml").write_text(GROUP.format(description="first"))
    return tmp_path


Start = Callable[..., "Watch"]


@pytest.fixture
def start(project: Path) -> Iterator[Start]:
    started: list[Watch] = []

    def run(*args: str, debug: bool = False) -> Watch:
        verbosity = ["-vv"] if debug else []
        target = f"local:{project / 'state'}"
        watch = Watch(project, *verbosity, "watch", "--target", target, "--debounce", "50", *args)
        started.append(watch)
        return watch

    yield run
    for watch in started:
        watch.kill()


def test_edits_replan_broken_saves_recover_and_ctrl_c_exits(start: Start, project: Path) -> None:
    group = project / "manifests" / "group.yaml"
    watch = start()
    first = watch.expect("Plan: 1 to add")
    assert first[0] == "watching manifests (plan; Ctrl-C to stop)"
    assert '    + description: "first"' in first

    changed = watch.save_until(group, GROUP.format(description="second"), '+ description: "second"')
    assert any(re.fullmatch(r"\d\d:\d\d:\d\d \[change\] manifests/group.yaml", line) for line in changed)

    broken = GROUP.format(description="third").replace("spec:", "spec:\n  descripton: typo")
    errors = watch.save_until(group, broken, "still watching")
    located = [line for line in errors if line.startswith("manifests/group.yaml:")]
    assert located == [
        "manifests/group.yaml:6:3: error: unknown field 'descripton' in spec; did you mean 'description'?"
    ]
    assert watch.proc.poll() is None

    recovered = watch.save_until(group, GROUP.format(description="fourth"), '+ description: "fourth"')
    assert "manifests are valid again" in recovered

    assert watch.interrupt() == 130
    assert watch.output[-1] == "interrupted"
    assert not any("Traceback" in line for line in watch.output)


def test_apply_then_interval_shows_no_changes_once_and_heals_drift(start: Start, project: Path) -> None:
    watch = start("--apply", "--interval", "0.3", debug=True)
    applied = watch.expect("Apply: 1 done")
    assert "+ ModelGroup/remote-models (create)" in applied
    watch.expect("No changes.")
    watch.expect("timer tick: nothing changed")  # later ticks print nothing

    # Drift made outside git: another reconcile writes a different description to the target.
    other = project / "elsewhere"
    other.mkdir()
    (other / "group.yaml").write_text(GROUP.format(description="drifted"))
    done = mlgitops(project, "reconcile", str(other), "--target", f"local:{project / 'state'}")
    assert done.returncode == 0, done.stderr
    healed = watch.expect("Apply: 1 done")
    assert "~ ModelGroup/remote-models (update)" in healed
    assert '    ~ description: "drifted" -> "first"' in healed
    watch.expect("No changes.")
    after = watch.expect("timer tick: nothing changed")
    assert not any("[interval]" in line for line in after)
    assert watch.interrupt() == 130


def test_warnings_show_once_per_pass_under_its_header(
    start: Start, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (project / "manifests" / "chat.yaml").write_text(CHAT)
    monkeypatch.setenv("MLGITOPS_TEST_OPENAI_KEY", "sk-watch-test-41d2")
    watch = start("--apply", "--interval", "0.3", debug=True)
    first = watch.expect("Apply: 2 done")
    header = next(n for n, line in enumerate(first) if "[start] planning" in line)
    warned = [n for n, line in enumerate(first) if "manifests/chat.yaml:" in line and ": warning: " in line]
    assert len(warned) == 1, first  # the plan and the apply both load the manifests: shown once
    assert warned[0] > header
    tick = watch.expect("No changes.")
    assert sum(": warning: " in line for line in tick) == 1
    quiet = watch.expect("timer tick: nothing changed")
    assert not any(": warning: " in line for line in quiet)
    assert watch.interrupt() == 130
    assert "sk-watch-test-41d2" not in "\n".join(watch.output)


def test_example_project_change_applies_and_ctrl_c_waits_for_the_apply(
    example_project: Path, fake_secrets: dict[str, str], tmp_path: Path
) -> None:
    target = f"local:{tmp_path / 't'}"
    watch = Watch(example_project, "-vv", "watch", "--env", "demo", "--apply", "--target", target)
    try:
        first = watch.expect("Apply:")
        assert first[-1].endswith(" done, 0 failed, 0 skipped.")
        chat = example_project / "manifests" / "openai.yaml"
        edited = chat.read_text().replace("model: text-embedding-ada-002", "model: text-embedding-3", 1)
        # reconcile_once has taken the target's lock: the apply (critical section) has begun.
        watch.save_until(chat, edited, "/.mlgitops/_create/lock")
        watch.proc.send_signal(signal.SIGINT)
        changed = watch.expect("Apply:")
        assert "interrupt received: finishing the apply in progress, then exiting" in changed
        assert "~ Connector/openai-embedding (update) [disruptive]" in changed
        assert '    ~ parameters.model: "text-embedding-ada-002" -> "text-embedding-3"' in changed
        assert "< Model/openai-embedding (undeploy) [disruptive]" in changed
        assert "> Model/openai-embedding (deploy) [disruptive]" in changed
        assert changed[-1] == "Apply: 3 done, 0 failed, 0 skipped."
        assert watch.proc.wait(CAP_SECONDS) == 130
    finally:
        watch.kill()
    replan = mlgitops(example_project, "plan", "--env", "demo", "--target", target, "--detailed-exitcode")
    assert replan.returncode == 0, replan.stdout + replan.stderr
    output = "\n".join([*watch.output, replan.stdout, replan.stderr])
    for secret in fake_secrets.values():
        assert secret not in output


@pytest.fixture
def never_watch(monkeypatch: pytest.MonkeyPatch) -> None:
    """In-process runs must fail before watching: a regression fails here instead of hanging."""

    def started(*args: object, **kwargs: object) -> None:
        raise AssertionError("watch started instead of failing first")

    monkeypatch.setattr(watch_command, "run_watch", started)


@pytest.mark.usefixtures("never_watch")
def test_unknown_environment_fails_before_watching(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(project)
    (project / "mlgitops.yaml").write_text("environments:\n  dev: {}\n")
    assert main(["watch", "--env", "prod"]) == 1
    assert capsys.readouterr().err.strip() == "error: unknown environment 'prod' (known: dev)"


@pytest.mark.usefixtures("never_watch")
def test_missing_path_fails_before_watching(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(project)
    assert main(["watch", "nowhere"]) == 1
    assert capsys.readouterr().err.strip() == "error: cannot watch nowhere: no such file or directory"


@pytest.mark.parametrize(("option", "value"), [("--interval", "0"), ("--debounce", "-1")])
def test_bad_numbers_are_usage_errors(option: str, value: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["watch", option, value])
    assert exited.value.code == 64
    assert option in capsys.readouterr().err


def test_each_report_is_written_in_one_piece(monkeypatch: pytest.MonkeyPatch) -> None:
    """Log lines from the watcher thread share the terminal: a report line is never split by one."""
    writes: list[str] = []

    class Stdout:
        def write(self, text: str) -> int:
            writes.append(text)
            return len(text)

        def flush(self) -> None:
            writes.append("<flush>")

    monkeypatch.setattr(sys, "stdout", Stdout())
    watch_command._say("header\nplan")
    assert writes == ["header\nplan\n", "<flush>"]
