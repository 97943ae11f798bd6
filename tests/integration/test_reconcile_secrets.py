"""No credential value anywhere: outputs, logs, errors, saved plans, and mlgitops' own ``.mlgitops`` docs."""

# mypy: allow-untyped-defs, allow-untyped-calls

import json
import logging

import pytest

from mlgitops.cli.main import main
from mlgitops.cli.wiring import open_backend

EVERYTHING = {"match_all": {}}


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out + err


@pytest.fixture
def env(env, caplog):
    caplog.set_level(logging.DEBUG)
    return env


def leaked(text, secrets):
    return sorted(name for name, value in secrets.items() if value in text)


def target_documents(target):
    """``.mlgitops`` (records, intents, digest key) and every connector and model as the target has them."""
    with open_backend(target) as backend:
        client = backend.client
        hits = client.scan_docs(".mlgitops", EVERYTHING)
        hits += client.search_connectors(EVERYTHING) + client.search_models(EVERYTHING)
        hits += [client.get_connector(hit["_id"]) for hit in client.search_connectors(EVERYTHING)]
    return json.dumps(hits)


def step(capsys, seen, expected, *argv):
    code, text = run(capsys, "-vv", *argv)
    assert code == expected, text
    seen.append(text)


def test_apply_rotate_and_prune_leak_nothing(
    capsys, env, fake_secrets, local_target, monkeypatch, caplog, example_project
):
    seen: list[str] = []
    step(capsys, seen, 0, "plan", *env, "--out", "plan.json")
    step(capsys, seen, 0, "reconcile", *env, "--plan", "plan.json", "--output", "json")
    seen.append((example_project / "plan.json").read_text())
    monkeypatch.setenv("OPENAI_API_KEY", "sk-rotated-value-0c4e")
    for output in ("text", "json", "markdown"):
        code, text = run(capsys, "-vv", "plan", *env, "--output", output, "--detailed-exitcode")
        assert code == 2 and "(sensitive value changed)" in text
        seen.append(text)
    step(capsys, seen, 0, "reconcile", *env, "--output", "markdown")
    (example_project / "empty").mkdir()
    (example_project / "empty" / "none.yaml").write_text("# everything was removed\n")
    step(capsys, seen, 0, "reconcile", *env, "--prune", "--allow-empty", "empty")
    assert "Model/openai-chat (delete)" in seen[-1]
    secrets = {**fake_secrets, "rotated": "sk-rotated-value-0c4e"}
    assert leaked("".join(seen) + caplog.text + target_documents(local_target), secrets) == []
    assert "sk-rotated" not in target_documents(local_target)


def test_failed_steps_leak_nothing(capsys, env, fake_secrets, example_project, caplog, local_target):
    with open_backend(local_target) as backend:  # the server now refuses every connector
        setting = "plugins.ml_commons.remote_inference.enabled"
        backend.client.put_cluster_settings({"persistent": {setting: False}})
    code, text = run(capsys, "-vv", "reconcile", *env, "--output", "json")
    assert code == 1
    report = json.loads(text[: text.rindex("}") + 1])
    errors = [step["error"] for step in report["steps"] if step["status"] == "failed"]
    assert errors and all("remote_inference" in error for error in errors)
    assert leaked(text + caplog.text + target_documents(local_target), fake_secrets) == []
