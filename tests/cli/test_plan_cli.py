"""`mlgitops plan` on the example project against the local engine: formats, exit codes, saved plans."""

# mypy: allow-untyped-defs, allow-untyped-calls

import json

import pytest

from clikit import run
from mlgitops.cli.main import main

EXIT_CHANGES = 2


def test_plan_of_a_fresh_target_lists_everything_and_exits_2(capsys, env, fake_secrets):
    code, out, err = run(capsys, "plan", *env, "--detailed-exitcode")
    assert code == EXIT_CHANGES
    assert "+ Connector/openai-chat (create)" in out
    assert "> Model/openai-chat (deploy)" in out
    assert "Plan: 14 to add, 0 to change, 0 to replace, 0 to destroy, 5 to deploy, 0 to undeploy." in out
    assert "credential.openAI_key: (sensitive value)" in out
    for value in fake_secrets.values():
        assert value not in out + err


def test_plan_without_detailed_exitcode_exits_0(capsys, env):
    assert run(capsys, "plan", *env)[0] == 0


@pytest.mark.parametrize("output", ["json", "markdown"])
def test_machine_and_pr_outputs_never_hold_secrets(capsys, env, fake_secrets, output, caplog):
    code, out, err = run(capsys, "reconcile", "--dry-run", *env, "--output", output)
    assert code == 0
    if output == "json":
        data = json.loads(out)
        assert data["format_version"] == "1" and len(data["actions"]) == 19
        assert all("changed_paths" in action and "reason" in action for action in data["actions"])
    else:
        assert out.startswith("### mlgitops plan") and "<details>" in out
    for value in fake_secrets.values():
        assert value not in out + err + caplog.text


def test_saved_plan_file_holds_no_secret_and_is_private(capsys, env, fake_secrets, example_project):
    code, _, err = run(capsys, "plan", *env, "--out", "plan.json")
    assert code == 0 and "reconcile --plan plan.json" in err
    saved = (example_project / "plan.json").read_text()
    assert json.loads(saved)["format"] == "mlgitops-saved-plan"
    assert (example_project / "plan.json").stat().st_mode & 0o077 == 0
    for value in fake_secrets.values():
        assert value not in saved


def test_manifest_errors_are_listed_with_locations(capsys, env, example_project):
    (example_project / "manifests" / "broken.yaml").write_text(
        "apiVersion: mlgitops/v1\nkind: Model\nmetadata: {name: bad}\nspec: {function_name: nope}\n"
    )
    code, out, err = run(capsys, "plan", *env)
    assert code == 1 and out == ""
    assert "broken.yaml:4:" in err and "problem(s) in the manifests" in err


def test_bad_target_and_usage_errors(capsys, example_project, fake_secrets):
    code, _, err = run(capsys, "plan", "--target", "ftp://x")
    assert code == 1 and "local:DIR" in err
    with pytest.raises(SystemExit) as caught:
        main(["reconcile", "--parallelism", "0"])
    assert caught.value.code == 64


def test_colour_only_on_request_of_a_terminal(capsys, env, monkeypatch):
    _, out, _ = run(capsys, "plan", *env)
    assert "\x1b[" not in out
    monkeypatch.setattr("sys.stdout.isatty", lambda: True, raising=False)
    monkeypatch.delenv("NO_COLOR", raising=False)
    _, out, _ = run(capsys, "plan", *env)
    assert "\x1b[32m+ Connector/openai-chat (create)\x1b[0m" in out
    assert "\x1b[" not in run(capsys, "plan", *env, "--no-color")[1]
    monkeypatch.setenv("NO_COLOR", "1")
    _, out, _ = run(capsys, "plan", *env)
    assert "\x1b[" not in out


def test_a_cached_run_prints_the_same_plan_and_warnings(capsys, env, fake_secrets, monkeypatch, tmp_path):
    monkeypatch.setenv("MLGITOPS_CACHE_DIR", "off")
    assert run(capsys, "reconcile", *env)[0] == 0
    manifests = tmp_path / "project" / "manifests" / "openai.yaml"
    manifests.write_text(manifests.read_text().replace("chat completions API", "edited", 1))
    uncached = run(capsys, "plan", *env, "--output", "json")
    monkeypatch.setenv("MLGITOPS_CACHE_DIR", str(tmp_path / "cache"))
    cold = run(capsys, "plan", *env, "--output", "json")
    entries = list((tmp_path / "cache" / "manifests").glob("*.json"))
    warm = run(capsys, "plan", *env, "--output", "json")
    assert len(entries) == len(list(manifests.parent.glob("*.yaml")))
    assert uncached[0] == 0 and json.loads(uncached[1])["actions"], "the edit is planned"
    assert uncached == cold == warm
    for value in fake_secrets.values():
        assert all(value not in entry.read_text() for entry in entries)
