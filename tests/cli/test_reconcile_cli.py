"""`mlgitops reconcile` on the example project against the local engine: the issue's acceptance tests."""

# mypy: allow-untyped-defs, allow-untyped-calls

import json
import logging
from typing import Any, cast

import pytest

from clikit import run
from mlgitops.backends.base import Backend
from mlgitops.cli.wiring import open_backend

EVERYTHING: dict[str, Any] = {"match_all": {}}


def client_of(backend: Backend) -> Any:
    """The REST client behind a backend (to act on the engine directly, as a user would)."""
    return cast(Any, backend).client


@pytest.fixture
def env(env, caplog):
    caplog.set_level(logging.DEBUG, logger="mlgitops")
    return env


@pytest.fixture
def applied(capsys, env):
    code, out, err = run(capsys, "reconcile", *env)
    assert code == 0, err
    return out


def engine_listing(target):
    with open_backend(target) as backend:
        client = client_of(backend)
        return {
            "groups": client.search_model_groups(EVERYTHING),
            "connectors": client.search_connectors(EVERYTHING),
            "models": client.search_models(EVERYTHING),
        }


def no_secret_in(text, secrets):
    return not any(value in text for value in secrets.values())


def test_first_reconcile_creates_and_deploys_then_plan_is_empty(
    capsys, env, applied, local_target, caplog, fake_secrets
):
    assert "Apply: 19 done, 0 failed, 0 skipped." in applied
    listing = engine_listing(local_target)
    assert len(listing["groups"]) == 1 and len(listing["connectors"]) == 5
    assert {hit["_source"]["model_state"] for hit in listing["models"]} == {"DEPLOYED"}
    code, out, _ = run(capsys, "plan", *env, "--detailed-exitcode")
    assert code == 0 and "No changes." in out
    assert run(capsys, "reconcile", *env, "--detailed-exitcode")[0] == 0
    assert no_secret_in(applied + out + caplog.text, fake_secrets)


def test_changed_connector_parameter_undeploys_updates_redeploys(capsys, env, applied, example_project):
    path = example_project / "manifests" / "openai.yaml"
    path.write_text(path.read_text().replace("model: text-embedding-ada-002", "model: text-embedding-3"))
    code, out, _ = run(capsys, "plan", *env, "--detailed-exitcode")
    assert code == 2
    titles = [line for line in out.splitlines() if line[:1] in {"<", ">", "~", "+", "-"}]
    assert titles == [
        "< Model/openai-embedding (undeploy) [disruptive]",
        "~ Connector/openai-embedding (update) [disruptive]",
        "> Model/openai-embedding (deploy) [disruptive]",
    ]
    assert '    ~ parameters.model: "text-embedding-ada-002" -> "text-embedding-3"' in out
    assert "Plan: 0 to add, 1 to change, 0 to replace, 0 to destroy, 1 to deploy, 1 to undeploy." in out
    code, out, _ = run(capsys, "reconcile", *env, "--output", "json")
    assert code == 0
    report = json.loads(out)
    assert [(s["verb"], s["status"]) for s in report["steps"]] == [
        ("undeploy", "done"),
        ("update", "done"),
        ("deploy", "done"),
    ]
    assert run(capsys, "plan", *env, "--detailed-exitcode")[0] == 0


def remove_model(example_project, name):
    path = example_project / "manifests" / "openai.yaml"
    docs = path.read_text().split("\n---\n")
    kept = [doc for doc in docs if not ("kind: Model\n" in doc and f"name: {name}\n" in doc)]
    assert len(kept) == len(docs) - 1
    path.write_text("\n---\n".join(kept))


def test_removed_model_is_deleted_only_with_prune(capsys, env, applied, example_project, local_target):
    remove_model(example_project, "openai-embedding")
    code, out, err = run(capsys, "reconcile", *env)
    assert code == 0 and "Model/openai-embedding is no longer in the manifests" in out + err
    assert len(engine_listing(local_target)["models"]) == 5
    code, out, _ = run(capsys, "plan", *env, "--prune")
    assert "< Model/openai-embedding (undeploy)" in out and "- Model/openai-embedding (delete)" in out
    assert run(capsys, "reconcile", *env, "--prune")[0] == 0
    names = sorted(hit["_source"]["name"] for hit in engine_listing(local_target)["models"])
    assert "openai-embedding" not in names and len(names) == 4
    assert run(capsys, "plan", *env, "--prune", "--detailed-exitcode")[0] == 0


def test_unowned_resources_are_never_touched(capsys, env, local_target, fake_secrets):
    with open_backend(local_target) as backend:
        group_id = client_of(backend).register_model_group({"name": "hand-made"})
        before = client_of(backend).get_model_group(group_id)
    assert run(capsys, "reconcile", *env, "--prune")[0] == 0
    with open_backend(local_target) as backend:
        assert client_of(backend).get_model_group(group_id) == before


def test_name_clash_needs_adopt(capsys, env, local_target):
    with open_backend(local_target) as backend:
        group_id = client_of(backend).register_model_group(
            {"name": "remote-models", "description": "by hand"}
        )
    code, _, err = run(capsys, "reconcile", *env)
    assert code == 1 and "--adopt" in err and group_id in err
    code, out, _ = run(capsys, "plan", *env, "--adopt")
    assert "= ModelGroup/remote-models (adopt)" in out and "~ ModelGroup/remote-models (update)" in out
    assert run(capsys, "reconcile", *env, "--adopt")[0] == 0
    groups = engine_listing(local_target)["groups"]
    assert [hit["_id"] for hit in groups] == [group_id]
    assert run(capsys, "plan", *env, "--detailed-exitcode")[0] == 0


def test_saved_plan_applies_once_then_is_stale(capsys, env, example_project):
    assert run(capsys, "plan", *env, "--out", "plan.json")[0] == 0
    code, _, err = run(capsys, "reconcile", *env, "--plan", "plan.json")
    assert code == 0, err
    code, _, err = run(capsys, "reconcile", *env, "--plan", "plan.json")
    assert code == 1 and "the target changed since this plan was made; run plan again" in err


def test_a_held_lock_blocks_reconcile_until_unlocked(capsys, env, local_target):
    with open_backend(local_target) as backend:
        lock = backend.acquire_lock("run-elsewhere", "ci@runner-7")
    code, _, err = run(capsys, "reconcile", *env)
    assert code == 1 and "ci@runner-7" in err
    code, _, err = run(capsys, "unlock", lock.lock_id, "--target", local_target)
    assert code == 0 and "ci@runner-7" in err
    assert run(capsys, "reconcile", *env)[0] == 0


def test_markdown_result_and_no_secret_anywhere(capsys, env, fake_secrets, caplog):
    code, out, err = run(capsys, "-vv", "reconcile", *env, "--output", "markdown")
    assert code == 0 and "### mlgitops reconcile" in out and "Apply: 19 done" in out
    assert no_secret_in(out + err + caplog.text, fake_secrets)


def test_dry_run_with_plan_is_refused(capsys, env):
    code, _, err = run(capsys, "reconcile", *env, "--dry-run", "--plan", "x.json")
    assert code == 1 and "--dry-run" in err


def test_progress_is_shown_on_a_terminal_only(capsys, env, monkeypatch):
    monkeypatch.setattr("sys.stderr.isatty", lambda: True, raising=False)
    code, _, err = run(capsys, "reconcile", *env)
    assert code == 0 and "[done] + Connector/openai-chat (create)" in err
