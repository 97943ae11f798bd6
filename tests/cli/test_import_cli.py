"""``mlgitops import`` on a ``local:`` target (the engine in-process): adopt round trip and bad input."""

# mypy: allow-untyped-defs, allow-untyped-calls

from pathlib import Path

from clikit import run
from mlgitops.cli.wiring import open_backend

SECRET = "sk-local-handmade-3141"
ML = "/_plugins/_ml"


def make_by_hand(target: str) -> None:
    """A group, a connector and a deployed model made through the REST API, as by hand."""
    with open_backend(target) as backend:
        client = backend.client
        client.request(
            "PUT", "/_cluster/settings", body={"transient": {"plugins.ml_commons.max_ml_task_per_node": 7}}
        )
        group = client.register_model_group({"name": "Team Models"})
        connector = client.create_connector({
            "name": "team chat", "version": 1, "protocol": "http", "credential": {"api_key": SECRET},
            "actions": [{"action_type": "predict", "method": "POST", "url": "https://api.openai.com/v1/x",
                         "headers": {"Authorization": "Bearer ${credential.api_key}"}, "request_body": "{}"}],
        })  # fmt: skip
        model_id, task_id = client.register_model(
            {
                "name": "team chat",
                "function_name": "remote",
                "model_group_id": group,
                "connector_id": connector,
            }
        )
        if task_id:
            model_id = client.wait_for_task(task_id).get("model_id") or model_id
        assert model_id
        deploy_task, _ = client.deploy_model(model_id)
        if deploy_task:
            client.wait_for_task(deploy_task)


def test_import_adopt_plan_round_trip_on_the_local_engine(capsys, tmp_path, local_target, monkeypatch):
    make_by_hand(local_target)
    out = tmp_path / "imported"
    code, stdout, err = run(capsys, "import", "--target", local_target, "--out", str(out))
    assert code == 0, err
    assert sorted(path.name for path in out.iterdir()) == [
        "cluster-settings.yaml", "connectors.yaml", "model-groups.yaml", "models.yaml"]  # fmt: skip
    written = "".join(path.read_text() for path in out.iterdir())
    assert SECRET not in written + stdout + err
    assert "transient:\n    plugins.ml_commons.max_ml_task_per_node: 7" in written
    assert "TEAM_CHAT_API_KEY: credential 'api_key' of Connector/team-chat" in err
    assert run(capsys, "validate", str(out))[0] == 0
    monkeypatch.setenv("TEAM_CHAT_API_KEY", SECRET)
    code, adopted, err = run(capsys, "reconcile", str(out), "--adopt", "--target", local_target)
    assert code == 0, adopted + err
    assert "Apply: 4 done" in adopted and "(update)" not in adopted  # adoption sends nothing
    code, plan, err = run(capsys, "plan", str(out), "--target", local_target, "--detailed-exitcode")
    assert code == 0, plan + err
    code, _, err = run(capsys, "import", "--target", local_target, "--out", str(tmp_path / "again"))
    assert code == 0 and "nothing to import" in err
    # A rotated value is then sent like any credential change, and never shown.
    monkeypatch.setenv("TEAM_CHAT_API_KEY", "sk-rotated-2718")
    code, plan, _ = run(capsys, "plan", str(out), "--target", local_target)
    assert "(sensitive value changed)" in plan and "sk-rotated-2718" not in plan


def test_existing_files_are_kept_unless_forced(capsys, tmp_path, local_target):
    make_by_hand(local_target)
    out = tmp_path / "imported"
    out.mkdir()
    (out / "connectors.yaml").write_text("# mine\n")
    code, _, err = run(capsys, "import", "--target", local_target, "--out", str(out))
    assert code == 1
    assert err.strip().splitlines()[-1] == (
        f"error: {out / 'connectors.yaml'} already exist; re-run with --force to overwrite them"
    )
    assert (out / "connectors.yaml").read_text() == "# mine\n"
    assert sorted(path.name for path in out.iterdir()) == ["connectors.yaml"]  # nothing half-written
    code, _, err = run(capsys, "import", "--target", local_target, "--out", str(out), "--force")
    assert code == 0, err
    assert "kind: Connector" in (out / "connectors.yaml").read_text()


def test_out_that_is_a_file_is_a_one_line_error(capsys, tmp_path, local_target):
    make_by_hand(local_target)
    blocker = tmp_path / "notes.txt"
    blocker.write_text("x")
    for out in (blocker, blocker / "sub"):
        code, stdout, err = run(capsys, "import", "--target", local_target, "--out", str(out))
        assert code == 1 and stdout == ""
        assert (
            err == f"error: --out {out}: {blocker} is a file, not a directory; give a directory to write to\n"
        )


def test_a_missing_local_engine_is_an_error_and_nothing_is_created(capsys, tmp_path):
    target = tmp_path / "nowhere"
    code, _, err = run(capsys, "import", "--target", f"local:{target}", "--out", str(tmp_path / "out"))
    assert code == 1 and "no engine at" in err
    assert not target.exists() and not (tmp_path / "out").exists()


def test_schema_line_points_at_the_project_schemas(capsys, tmp_path, local_target, monkeypatch):
    make_by_hand(local_target)
    monkeypatch.chdir(tmp_path)
    assert run(capsys, "import", "--target", local_target)[0] == 0
    first = (Path("manifests/imported") / "connectors.yaml").read_text().splitlines()[0]
    assert first == "# yaml-language-server: $schema=../../schemas/manifest.schema.json"


def test_env_takes_the_target_from_the_project_file(capsys, tmp_path, local_target):
    make_by_hand(local_target)
    config = tmp_path / "mlgitops.yaml"
    config.write_text("environments:\n  team: {target: 'local:target'}\n")
    out = tmp_path / "manifests" / "imported"
    code, _, err = run(capsys, "import", "--env", "team", "--config", str(config), "--out", str(out))
    assert code == 0, err
    assert "--env team --config" in err  # the next command selects the same target
    first = (out / "models.yaml").read_text().splitlines()[0]
    assert first == "# yaml-language-server: $schema=../../schemas/manifest.schema.json"
    code, _, err = run(capsys, "import", "--env", "nope", "--config", str(config), "--out", str(out))
    assert code == 1 and "unknown environment 'nope'" in err
