"""User mistakes with plan/reconcile get one-line errors and the right exit code, never a traceback."""

# mypy: allow-untyped-defs, allow-untyped-calls

import json

import pytest

from clikit import run
from mlgitops.cli.commands.reconcile import render_outcome_markdown
from mlgitops.cli.main import main
from mlgitops.cli.wiring import open_backend
from mlgitops.model.resources import Kind, ResourceKey
from mlgitops.plan.actions import Action, Plan, Verb
from mlgitops.plan.report import ApplyReport, Status, StepResult

EXIT_ERROR = 1


def one_error_line(err):
    errors = [line for line in err.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "Traceback" not in err, err
    return errors[0]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (None, "cannot read the plan plan.json: No such file or directory"),
        ("{not json", "plan.json is not a saved plan (invalid JSON"),
        ('{"format": "terraform"}', "not a saved mlgitops plan"),
    ],
)
def test_unreadable_plan_files(capsys, env, example_project, content, expected):
    if content is not None:
        (example_project / "plan.json").write_text(content)
    code, out, err = run(capsys, "reconcile", *env, "--plan", "plan.json", "--detailed-exitcode")
    assert code == EXIT_ERROR and out == ""
    assert expected in one_error_line(err)


def test_damaged_plan_file(capsys, env, example_project):
    assert run(capsys, "plan", *env, "--out", "plan.json")[0] == 0
    data = json.loads((example_project / "plan.json").read_text())
    data["actions"][0]["body"] = "oops"
    (example_project / "plan.json").write_text(json.dumps(data))
    code, _, err = run(capsys, "reconcile", *env, "--plan", "plan.json")
    assert code == EXIT_ERROR and "the saved plan is damaged" in one_error_line(err)


def test_plan_file_for_another_target_is_refused_before_touching_it(capsys, env, tmp_path):
    assert run(capsys, "plan", *env, "--out", "plan.json")[0] == 0
    other = f"local:{tmp_path / 'other'}"
    code, _, err = run(capsys, "reconcile", "--env", "demo", "--target", other, "--plan", "plan.json")
    assert code == EXIT_ERROR
    assert f"made for target {env[-1]}, not {other}" in one_error_line(err)
    with open_backend(other) as backend:
        assert backend.client.scan_docs(".mlgitops", {"match_all": {}}) == []


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--target", "ftp://host"], "unknown target 'ftp://host'"),
        (["--target", "local:"], "target 'local:' has no directory"),
        (["--env", "nowhere"], "unknown environment 'nowhere'"),
        (["--config", "missing.yaml"], "project file missing.yaml not found"),
    ],
)
@pytest.mark.parametrize("command", ["plan", "reconcile"])
def test_bad_targets_and_environments_exit_1_even_with_detailed_exitcode(
    capsys, example_project, fake_secrets, command, args, expected
):
    code, out, err = run(capsys, command, *args, "--detailed-exitcode")
    assert code == EXIT_ERROR and out == ""
    assert expected in one_error_line(err)


def test_manifest_errors_exit_1_with_detailed_exitcode(capsys, env, example_project):
    (example_project / "manifests" / "broken.yaml").write_text("kind: [\n")
    code, out, err = run(capsys, "plan", *env, "--detailed-exitcode")
    assert code == EXIT_ERROR and out == "" and "broken.yaml:" in err and "Traceback" not in err


def test_missing_credentials_are_named_not_shown(capsys, env, monkeypatch, fake_secrets):
    monkeypatch.delenv("OPENAI_API_KEY")
    code, out, err = run(capsys, "reconcile", *env)
    assert code == EXIT_ERROR and "OPENAI_API_KEY" in err and "Traceback" not in err
    code, out, _ = run(capsys, "plan", *env, "--detailed-exitcode")
    assert code == 2 and "OPENAI_API_KEY" in out  # a plan without secrets only warns
    assert not any(value in out + err for value in fake_secrets.values())


@pytest.mark.parametrize("argv", [["plan", "--output", "yaml"], ["reconcile", "--parallelism", "x"]])
def test_usage_errors_exit_64_not_2(argv):
    with pytest.raises(SystemExit) as caught:
        main(argv)
    assert caught.value.code == 64


def test_pruning_with_an_empty_manifest_set_needs_allow_empty(capsys, env, example_project):
    assert run(capsys, "reconcile", *env)[0] == 0
    (example_project / "empty").mkdir()
    (example_project / "empty" / "none.yaml").write_text("# everything was moved elsewhere\n")
    code, out, err = run(capsys, "reconcile", *env, "--prune", "empty")
    assert code == EXIT_ERROR and out == ""
    assert "refusing to prune everything" in one_error_line(err)
    assert run(capsys, "plan", *env, "--detailed-exitcode")[0] == 0  # nothing was touched


def test_markdown_apply_report_stays_under_the_comment_limit():
    actions = tuple(
        Action(i, Verb.CREATE, ResourceKey(Kind.CONNECTOR, f"c{i}"), "not on the target " + "x" * 100)
        for i in range(3000)
    )
    steps = tuple(StepResult(action, Status.FAILED, "refused: " + "y" * 100) for action in actions)
    text = render_outcome_markdown(ApplyReport(Plan(actions), steps))
    assert len(text) < 65_535
    assert "Apply: 0 done, 3000 failed, 0 skipped." in text and "more step(s) not shown" in text
