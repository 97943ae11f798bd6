"""``metadata.protected`` changes on the example project: only the ownership record changes, end to end."""

# mypy: allow-untyped-defs, allow-untyped-calls

import re

import pytest

from clikit import run
from mlgitops.cli.wiring import open_backend
from mlgitops.model.resources import Kind, ResourceKey

PROTECTED = {
    "model-group.yaml": ResourceKey(Kind.MODEL_GROUP, "remote-models"),
    "openai.yaml": ResourceKey(Kind.CONNECTOR, "openai-chat"),
    "cohere.yaml": ResourceKey(Kind.MODEL, "cohere-embedding"),
}


@pytest.fixture
def env(env, capsys):
    code, _, err = run(capsys, "reconcile", *env)
    assert code == 0, err
    return env


def protect(example_project, file_name, key, value):
    path = example_project / "manifests" / file_name
    pattern = rf"(kind: {key.kind.value}\nmetadata:\n  name: {re.escape(key.name)}\n)(  protected: \w+\n)?"
    text, count = re.subn(pattern, rf"\g<1>  protected: {value}\n", path.read_text())
    assert count == 1
    path.write_text(text)


def records(target):
    with open_backend(target) as backend:
        hits = backend.client.scan_docs(".mlgitops", {"term": {"type": "record"}})
    return {(hit["_source"]["kind"], hit["_source"]["name"]): hit["_source"] for hit in hits}


def test_protecting_rewrites_only_the_records_and_converges(capsys, env, example_project, local_target):
    before = records(local_target)
    for file_name, key in PROTECTED.items():
        protect(example_project, file_name, key, "true")
    code, out, _ = run(capsys, "plan", *env, "--detailed-exitcode")
    assert code == 2
    assert out.count("~ metadata.protected: false -> true") == 3
    assert "Plan: 0 to add, 3 to change, 0 to replace, 0 to destroy, 0 to deploy, 0 to undeploy." in out
    code, out, err = run(capsys, "reconcile", *env, "--detailed-exitcode")
    assert code == 2, out + err
    assert "Apply: 3 done, 0 failed, 0 skipped." in out
    assert run(capsys, "plan", *env, "--detailed-exitcode")[0] == 0
    after = records(local_target)
    for (kind, name), record in after.items():
        wanted = ResourceKey(Kind(kind), name) in PROTECTED.values()
        assert record["protected"] is wanted
        assert record["resource_id"] == before[(kind, name)]["resource_id"]


def test_a_protected_resource_survives_prune_after_leaving_the_manifests(
    capsys, env, example_project, local_target
):
    group = PROTECTED["model-group.yaml"]
    protect(example_project, "model-group.yaml", group, "true")
    assert run(capsys, "reconcile", *env)[0] == 0
    for path in (example_project / "manifests").glob("*.yaml"):
        if path.name != "cluster-settings.yaml":
            path.unlink()
    code, out, err = run(capsys, "reconcile", *env, "--prune")
    assert code == 0, out + err
    assert "ModelGroup/remote-models is no longer in the manifests but is protected: kept" in out + err
    assert (
        "Apply: 17 done, 0 failed, 0 skipped." in out
    )  # pipeline, agent, 5 undeploys, 5 models, 5 connectors
    assert set(records(local_target)) == {("ModelGroup", "remote-models"), ("ClusterSettings", "ml-commons")}
    with open_backend(local_target) as backend:
        assert len(backend.client.search_model_groups({"match_all": {}})) == 1
    assert run(capsys, "plan", *env, "--prune", "--detailed-exitcode")[0] == 0
