"""Reconcile scenarios of the example project, identical on the embedded engine and on real OpenSearch."""

# mypy: allow-untyped-defs, allow-untyped-calls

import json

from conformance.conftest import EXAMPLE_MODELS, edit, step_lines
from mlgitops.cli.wiring import open_backend
from mlgitops.model.resources import Kind, ResourceKey

ALL_STEPS = 19  # 1 settings + 1 group + 5 connectors + 5 registers + 5 deploys + 1 pipeline + 1 agent


def model_document(cli, name):
    """The model's document on the target, found through mlgitops' ownership record."""
    with open_backend(cli.target.url) as backend:
        records = backend.read_state([]).resources
        return records[ResourceKey(Kind.MODEL, name)].document


def test_a_fresh_target_converges_in_one_run_with_default_parallelism(cli):
    out = cli.ok("reconcile")
    assert f"Apply: {ALL_STEPS} done, 0 failed, 0 skipped." in out
    cli.converged()
    for model in EXAMPLE_MODELS:
        assert model_document(cli, model)["model_state"] == "DEPLOYED"


def test_a_connector_parameter_change_undeploys_updates_and_redeploys(cli, project):
    cli.ok("reconcile")
    # openai-embedding has no pipeline or agent using it, so its connector changes in place.
    edit(
        project / "manifests" / "openai.yaml",
        "model: text-embedding-ada-002",
        "model: text-embedding-3-small",
    )
    _, plan, _ = cli("plan", "--detailed-exitcode")
    assert "undeploy" in plan and "text-embedding-3-small" in plan
    steps = step_lines(cli.ok("reconcile"))
    verbs = [line.split()[1] for line in steps]
    assert verbs == ["<", "~", ">"], steps
    assert all("openai-embedding" in line for line in steps)
    cli.converged()
    assert model_document(cli, "openai-embedding")["model_state"] == "DEPLOYED"


def test_a_credential_change_is_applied_without_showing_it(cli, monkeypatch, standin):
    cli.ok("reconcile")
    monkeypatch.setenv("COHERE_API_KEY", "co-rotated-key-4242")
    _, plan, _ = cli("plan", "--detailed-exitcode")
    assert "(sensitive value changed)" in plan and "co-rotated-key-4242" not in plan
    out = cli.ok("reconcile")
    assert "co-rotated-key-4242" not in out
    assert any("cohere-embedding" in line for line in step_lines(out))
    cli.converged()


def test_deployed_false_undeploys_and_stays_converged(cli, project):
    cli.ok("reconcile")
    edit(project / "manifests" / "cohere.yaml", "deployed: true", "deployed: false")
    steps = step_lines(cli.ok("reconcile"))
    assert steps == ["[done] < Model/cohere-embedding (undeploy)"]
    cli.converged()
    assert model_document(cli, "cohere-embedding")["model_state"] in ("UNDEPLOYED", "REGISTERED")


def test_prune_deletes_what_left_the_manifests(cli, project):
    cli.ok("reconcile")
    (project / "manifests" / "sagemaker.yaml").unlink()
    _, plan, _ = cli("plan", "--detailed-exitcode")
    assert "sagemaker-embedding" in plan
    steps = step_lines(cli.ok("reconcile", "--prune"))
    assert {line.split()[0] for line in steps} == {"[done]"}
    assert any("Connector/sagemaker-embedding" in line for line in steps)
    assert any("Model/sagemaker-embedding" in line for line in steps)
    code, out, err = cli("plan", "--prune", "--detailed-exitcode")
    assert code == 0, out + err


def test_prune_never_deletes_a_protected_resource(cli, project):
    edit(
        project / "manifests" / "sagemaker.yaml",
        "  name: sagemaker-embedding\nspec:\n  function_name",
        "  name: sagemaker-embedding\n  protected: true\nspec:\n  function_name",
    )
    cli.ok("reconcile")
    (project / "manifests" / "sagemaker.yaml").unlink()
    code, out, err = cli("reconcile", "--prune")
    assert code == 1
    assert "protected" in out + err
    with open_backend(cli.target.url) as backend:
        assert ResourceKey(Kind.MODEL, "sagemaker-embedding") in backend.read_state([]).resources


def test_adopt_takes_over_an_existing_unowned_model_group(cli):
    with open_backend(cli.target.url) as backend:
        group_id = backend.client.register_model_group(
            {"name": "remote-models", "description": "made by hand"}
        )
    code, out, err = cli("reconcile")
    assert code == 1 and "--adopt" in out + err
    cli.ok("reconcile", "--adopt")
    cli.converged()
    with open_backend(cli.target.url) as backend:
        state = backend.read_state([])
        assert state.resources[ResourceKey(Kind.MODEL_GROUP, "remote-models")].resource_id == group_id


def test_renaming_a_connector_on_the_server_updates_it_in_place(cli, project):
    cli.ok("reconcile")
    before = model_document(cli, "cohere-embedding")
    edit(project / "manifests" / "cohere.yaml", "name: Cohere Embed Connector", "name: Cohere Embed v3")
    steps = step_lines(cli.ok("reconcile"))
    assert any("Connector/cohere-embedding" in line for line in steps), steps
    cli.converged()
    assert model_document(cli, "cohere-embedding")["connector_id"] == before["connector_id"]


def test_a_settings_change_is_applied_and_converges(cli, project):
    cli.ok("reconcile")
    edit(
        project / "manifests" / "cluster-settings.yaml",
        "  plugins.ml_commons.only_run_on_ml_node: false\n",
        "  plugins.ml_commons.only_run_on_ml_node: false\n  plugins.ml_commons.max_model_on_node: 12\n",
    )
    steps = step_lines(cli.ok("reconcile"))
    assert steps == ["[done] ~ ClusterSettings/ml-commons (update)"], steps
    cli.converged()
    with open_backend(cli.target.url) as backend:
        settings = backend.client.get_cluster_settings()
    assert str(settings["persistent"]["plugins.ml_commons.max_model_on_node"]) == "12"


def test_a_saved_plan_is_applied_exactly_and_refused_once_stale(cli, project):
    cli.ok("plan", "--out", "plan.json")
    saved = json.loads((project / "plan.json").read_text())
    assert saved
    out = cli.ok("reconcile", "--plan", "plan.json")
    assert f"Apply: {ALL_STEPS} done" in out
    cli.converged()
    code, out, err = cli("reconcile", "--plan", "plan.json")
    assert code == 1 and "plan" in err.lower()


def test_a_held_lock_stops_a_second_run(cli):
    with open_backend(cli.target.url) as backend:
        lock = backend.acquire_lock("run-elsewhere", "someone@elsewhere")
        try:
            code, out, err = cli("reconcile")
            assert code == 1 and "someone@elsewhere" in out + err
        finally:
            backend.release_lock(lock.lock_id)
    cli.ok("reconcile")
    cli.converged()
