"""`reconcile --output json` leaves a JSON result even when it fails before applying anything."""

# mypy: allow-untyped-defs, allow-untyped-calls

import json

from clikit import run

EXIT_ERROR = 1


def test_missing_credential_still_writes_a_json_result(capsys, env, monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY")
    code, out, err = run(capsys, "reconcile", *env, "--output", "json")
    assert code == EXIT_ERROR
    result = json.loads(out)
    assert result["ok"] is False and result["steps"] == []
    assert result["format_version"] == "1" and result["target"]
    assert "OPENAI_API_KEY" in result["error"]
    assert "OPENAI_API_KEY" in err and "Traceback" not in err


def test_a_bad_saved_plan_writes_a_json_result(capsys, env, example_project):
    (example_project / "plan.json").write_text("{not json")
    code, out, _err = run(capsys, "reconcile", *env, "--plan", "plan.json", "--output", "json")
    assert code == EXIT_ERROR
    assert json.loads(out)["ok"] is False


def test_text_output_stays_empty_on_failure(capsys, env, monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY")
    code, out, _err = run(capsys, "reconcile", *env)
    assert code == EXIT_ERROR and out == ""
