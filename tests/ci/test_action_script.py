"""The composite action's run.sh: arguments, outputs, job summary and exit codes, with a stub mlgitops."""

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
RUN_SH = ROOT / ".github" / "actions" / "mlgitops" / "run.sh"

STUB = """#!/usr/bin/env bash
printf '%s\\n' "$@" > "$STUB_ARGS"
printf '%s' "$STUB_STDOUT"
printf '%s' "$STUB_STDERR" >&2
exit "$STUB_EXIT"
"""


@dataclass
class Result:
    code: int
    args: list[str]
    outputs: dict[str, str]
    summary: str
    log: str
    report: str


RunAction = Callable[..., "Result"]


@pytest.fixture
def action(tmp_path: Path) -> RunAction:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    stub = bin_dir / "mlgitops"
    stub.write_text(STUB)
    stub.chmod(0o755)

    def run(inputs: dict[str, str], *, stdout: str = "", stderr: str = "", exit_code: int = 0) -> Result:
        files = {name: tmp_path / name for name in ("args", "output", "summary")}
        for path in files.values():
            path.write_text("")
        env = {
            "PATH": os.pathsep.join([str(bin_dir), os.environ["PATH"]]),
            "RUNNER_TEMP": str(tmp_path),
            "GITHUB_OUTPUT": str(files["output"]),
            "GITHUB_STEP_SUMMARY": str(files["summary"]),
            "STUB_ARGS": str(files["args"]),
            "STUB_STDOUT": stdout,
            "STUB_STDERR": stderr,
            "STUB_EXIT": str(exit_code),
            **{f"MLGITOPS_{name.upper().replace('-', '_')}": value for name, value in inputs.items()},
        }
        bash = shutil.which("bash")
        assert bash is not None
        done = subprocess.run([bash, str(RUN_SH)], env=env, capture_output=True, text=True, timeout=30)
        outputs = dict(line.split("=", 1) for line in files["output"].read_text().splitlines())
        report = Path(outputs["report"]).read_text() if "report" in outputs else ""
        return Result(
            done.returncode,
            files["args"].read_text().splitlines(),
            outputs,
            files["summary"].read_text(),
            done.stdout + done.stderr,
            report,
        )

    return run


def test_dry_run_reconcile_with_changes(action: RunAction) -> None:
    plan = "## Plan: 1 to add\n<details>...</details>\n"
    result = action(
        {"command": "reconcile", "dry-run": "true", "env": "staging", "output": "markdown", "paths": "m1 m2"},
        stdout=plan,
        exit_code=2,
    )
    assert result.args == [
        "reconcile",
        "--dry-run",
        "--detailed-exitcode",
        "--output",
        "markdown",
        "--env",
        "staging",
        "m1",
        "m2",
    ]
    assert result.code == 0
    assert result.outputs["exit-code"] == "2"
    assert result.outputs["has-changes"] == "true"
    assert result.report == plan
    assert result.summary.startswith("### mlgitops reconcile (staging)\n\n## Plan: 1 to add\n")


def test_plan_without_changes_and_a_target(action: RunAction) -> None:
    result = action({"command": "plan", "target": "https://search:9200", "output": "json"}, stdout="{}")
    assert result.args == [
        "plan",
        "--detailed-exitcode",
        "--output",
        "json",
        "--target",
        "https://search:9200",
    ]
    assert result.outputs["has-changes"] == "false"
    assert "```\n{}\n```" in result.summary


def test_validate_failure_fails_the_step_and_keeps_annotations(action: RunAction) -> None:
    lines = "::error file=m/a.yaml,line=3,col=1,title=schema::bad\nm/a.yaml:3:1: error: bad\n"
    result = action(
        {"command": "validate", "output": "github", "target": "ignored"}, stdout=lines, exit_code=1
    )
    assert result.args == ["validate", "--output", "github"]
    assert result.code == 1
    assert "::error file=m/a.yaml,line=3,col=1,title=schema::bad" in result.log
    assert "m/a.yaml:3:1: error: bad" in result.summary
    assert "::error" not in result.summary


def test_an_error_becomes_the_report_when_nothing_was_printed(action: RunAction) -> None:
    result = action(
        {"command": "reconcile", "env": "prod", "output": "markdown"},
        stderr="error: cannot reach https://search:9200\n",
        exit_code=1,
    )
    assert result.code == 1
    assert result.outputs["exit-code"] == "1"
    assert result.report == "error: cannot reach https://search:9200\n"
    assert result.args[:2] == ["reconcile", "--detailed-exitcode"]


def test_extra_args_and_no_summary(action: RunAction) -> None:
    result = action({"command": "reconcile", "args": "--prune --parallelism 2", "summary": "false"})
    assert result.args == [
        "reconcile",
        "--detailed-exitcode",
        "--output",
        "text",
        "--prune",
        "--parallelism",
        "2",
    ]
    assert result.summary == ""


def test_unknown_command_is_refused(action: RunAction) -> None:
    result = action({"command": "destroy"})
    assert result.code == 64
    assert "unknown command 'destroy'" in result.log
    assert result.args == []


# The variables run.sh reads (inputs, runner files): never inherited from the shell running pytest.
RUNNER_VARIABLES = ("MLGITOPS_", "GITHUB_", "RUNNER_")


def run_real(
    cwd: Path, tmp_path: Path, inputs: dict[str, str], secrets: dict[str, str] | None = None
) -> tuple[int, dict[str, str], str, str]:
    """run.sh with this venv's real ``mlgitops`` on PATH, isolated from the caller's runner variables."""
    outputs = tmp_path / "github-output"
    summary = tmp_path / "summary.md"
    inherited = {name: value for name, value in os.environ.items() if not name.startswith(RUNNER_VARIABLES)}
    env = {
        **inherited,
        **(secrets or {}),
        "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ["PATH"]]),
        "RUNNER_TEMP": str(tmp_path),
        "GITHUB_OUTPUT": str(outputs),
        "GITHUB_STEP_SUMMARY": str(summary),
        "MLGITOPS_CACHE_DIR": str(tmp_path / "cache"),  # the manifest cache, never the user's
        **{f"MLGITOPS_{name.upper().replace('-', '_')}": value for name, value in inputs.items()},
    }
    bash = shutil.which("bash")
    assert bash is not None
    done = subprocess.run([bash, str(RUN_SH)], cwd=cwd, env=env, capture_output=True, text=True, timeout=120)
    log = f"exit {done.returncode}\n{done.stdout}{done.stderr}"
    assert outputs.exists(), log
    values = dict(line.split("=", 1) for line in outputs.read_text().splitlines())
    return done.returncode, values, summary.read_text() if summary.exists() else "", log


def test_real_validate_with_annotations(tmp_path: Path) -> None:
    code, outputs, summary, log = run_real(
        ROOT / "tests" / "ci" / "data" / "annotations", tmp_path, {"command": "validate", "output": "github"}
    )
    assert code == 1, log
    assert outputs["exit-code"] == "1", log
    assert "manifests/models.yaml:15:3: error: no Connector named 'missing-connector-01'" in summary


def test_real_dry_run_reconcile_markdown(tmp_path: Path) -> None:
    # A project of this test's own: the repository's example manifests change under other work.
    project = shutil.copytree(ROOT / "tests" / "ci" / "data" / "dry-run", tmp_path / "project")
    secret = "sk-test-action-7f3e9a"
    inputs = {
        "command": "reconcile",
        "dry-run": "true",
        "env": "dev",
        "target": f"local:{tmp_path / 'target'}",
        "output": "markdown",
    }
    code, outputs, summary, log = run_real(project, tmp_path, inputs, {"OPENAI_API_KEY": secret})
    assert code == 0, log
    assert outputs["exit-code"] == "2", log
    assert outputs["has-changes"] == "true"
    report = Path(outputs["report"]).read_text()
    assert report.startswith("### mlgitops plan for `local:"), report
    assert "<details><summary>" in report
    assert "gpt-4o-mini" in report  # the environment's vars were applied
    assert report in summary
    assert secret not in report + summary + log
    again = run_real(project, tmp_path, inputs, {"OPENAI_API_KEY": secret})
    assert again[1]["has-changes"] == "true", again[3]  # the dry run changed nothing on the target
