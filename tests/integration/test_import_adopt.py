"""Import a hand-made cluster, adopt the written manifests, and the next plan is empty.

The cluster is made with raw REST calls, as a team without mlgitops would have made it: ML settings,
a model group, a standalone connector with two models (one deployed, one not), a model with an
inline connector, an ingest pipeline with ``ml_inference`` and a flow agent using models by id. The
backend is a parameter: ``engine`` serves the embedded engine over HTTP; ``opensearch`` is the
session's real OpenSearch 2.19 + ML Commons node (``targetkit``).
"""

# mypy: allow-untyped-defs, allow-untyped-calls

import time
from pathlib import Path

import httpx
import yaml

from mlgitops.cli.main import main
from mlgitops.cli.wiring import open_backend
from mlgitops.model.resources import Kind, ResourceKey
from targetkit import target_client, target_url_fixture  # noqa: F401 - the target_url fixture

CHAT_KEY = "sk-handmade-chat-secret-5521"
EMBED_KEY = "co-handmade-inline-secret-9034"
ML = "/_plugins/_ml"


def wait_task(client: httpx.Client, task_id: str) -> dict:
    for _ in range(600):
        task = client.get(f"{ML}/tasks/{task_id}").json()
        if task.get("state") in ("COMPLETED", "FAILED"):
            assert task["state"] == "COMPLETED", task
            return task
        time.sleep(0.1)
    raise AssertionError(f"task {task_id} did not finish")


def register(client: httpx.Client, body: dict, *, deploy: bool) -> str:
    response = client.post(f"{ML}/models/_register", json=body)
    assert response.status_code == 200, response.text
    model_id = wait_task(client, response.json()["task_id"])["model_id"]
    if deploy:
        deployed = client.post(f"{ML}/models/{model_id}/_deploy")
        assert deployed.status_code == 200, deployed.text
        wait_task(client, deployed.json()["task_id"])
    return model_id


def clear_dependents(client: httpx.Client) -> None:
    """The session's node keeps other tests' pipelines and agents; this test starts without any."""
    for kind in ("_ingest", "_search"):
        pipelines = client.get(f"/{kind}/pipeline")
        for pipeline_id in pipelines.json() if pipelines.status_code == 200 else {}:
            client.delete(f"/{kind}/pipeline/{pipeline_id}")
    agents = client.post(f"{ML}/agents/_search", json={"query": {"match_all": {}}, "size": 1000})
    for hit in agents.json().get("hits", {}).get("hits", []) if agents.status_code == 200 else []:
        client.delete(f"{ML}/agents/{hit['_id']}")


CHAT_ACTION = {
    "action_type": "predict",
    "method": "POST",
    "url": "https://${parameters.endpoint}/v1/chat/completions",
    "headers": {"Authorization": "Bearer ${credential.openAI_key}"},
    "request_body": '{ "model": "${parameters.model}", "messages": ${parameters.messages} }',
}
EMBED_CONNECTOR = {
    "name": "Cohere inline",
    "version": 1,
    "protocol": "http",
    "parameters": {"model": "embed-english-v3.0", "input_type": "search_document"},
    "credential": {"cohere_key": EMBED_KEY},
    "actions": [
        {
            "action_type": "predict",
            "method": "POST",
            "url": "https://api.cohere.ai/v1/embed",
            "headers": {"Authorization": "Bearer ${credential.cohere_key}"},
            "request_body": '{ "texts": ${parameters.texts}, "model": "${parameters.model}" }',
            "pre_process_function": "connector.pre_process.cohere.embedding",
            "post_process_function": "connector.post_process.cohere.embedding",
        }
    ],
}


def build_hand_made_cluster(client: httpx.Client) -> dict[str, str]:
    """Settings, a group, a connector, three models, a pipeline and an agent; returns their ids."""
    settings = {"persistent": {"plugins.ml_commons.only_run_on_ml_node": False,
                               "plugins.ml_commons.max_ml_task_per_node": 20}}  # fmt: skip
    assert client.put("/_cluster/settings", json=settings).status_code == 200
    group = client.post(
        f"{ML}/model_groups/_register", json={"name": "Hand Made Models", "description": "by hand"}
    )
    group_id = group.json()["model_group_id"]
    connector = client.post(
        f"{ML}/connectors/_create",
        json={"name": "OpenAI Chat (hand made)", "version": 1, "protocol": "http",
              "parameters": {"endpoint": "api.openai.com", "model": "gpt-4o-mini"},
              "credential": {"openAI_key": CHAT_KEY}, "actions": [CHAT_ACTION]},
    )  # fmt: skip
    connector_id = connector.json()["connector_id"]
    chat = register(
        client, {"name": "hand chat", "function_name": "remote", "model_group_id": group_id,
                 "connector_id": connector_id, "description": "deployed by hand"}, deploy=True,
    )  # fmt: skip
    spare = register(
        client, {"name": "hand chat spare", "function_name": "remote", "model_group_id": group_id,
                 "connector_id": connector_id}, deploy=False,
    )  # fmt: skip
    embed = register(
        client, {"name": "hand embed", "function_name": "remote", "model_group_id": group_id,
                 "connector": EMBED_CONNECTOR}, deploy=True,
    )  # fmt: skip
    pipeline = {
        "description": "embeds text",
        "processors": [
            {
                "ml_inference": {
                    "model_id": embed,
                    "input_map": [{"texts": "text"}],
                    "output_map": [{"embedding": "data"}],
                }
            }
        ],
    }
    assert client.put("/_ingest/pipeline/hand-embed", json=pipeline).status_code == 200
    search = {"request_processors": [{"ml_inference": {"model_id": embed, "input_map": [{"texts": "query"}],
              "output_map": [{"vector": "data"}]}}]}  # fmt: skip
    assert client.put("/_search/pipeline/hand-search", json=search).status_code == 200
    agent = client.post(
        f"{ML}/agents/_register",
        json={
            "name": "Hand Agent",
            "type": "flow",
            "tools": [
                {"type": "MLModelTool", "name": "chat", "parameters": {"model_id": chat, "messages": "[]"}}
            ],
        },
    )
    assert agent.status_code == 200, agent.text
    return {"chat": chat, "spare": spare, "embed": embed, "group": group_id, "connector": connector_id}


def cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def documents(out: Path) -> dict[str, list[dict]]:
    return {path.name: list(yaml.safe_load_all(path.read_text())) for path in sorted(out.glob("*.yaml"))}


def remove(client: httpx.Client, ids: dict[str, str]) -> None:
    """Leave the shared node as it was: no settings, models, connector or group of this test."""
    ml = "plugins.ml_commons."
    reset = {f"{ml}only_run_on_ml_node": None, f"{ml}max_ml_task_per_node": None}
    client.put("/_cluster/settings", json={"persistent": reset})
    models = [ids[name] for name in ("chat", "spare", "embed") if name in ids]
    client.post(f"{ML}/models/_undeploy", json={"model_ids": models})
    for model_id in models:
        for _ in range(50):  # the undeploy takes a moment to reach the model's document
            if client.delete(f"{ML}/models/{model_id}").status_code in (200, 404):
                break
            time.sleep(0.1)
    for path in (f"connectors/{ids.get('connector')}", f"model_groups/{ids.get('group')}"):
        client.delete(f"{ML}/{path}")


def test_import_then_adopt_leaves_an_empty_plan(target_url, tmp_path, monkeypatch, capsys):
    ids: dict[str, str] = {}
    with target_client(target_url) as client:
        clear_dependents(client)
        try:
            ids |= build_hand_made_cluster(client)
            _import_and_adopt(target_url, tmp_path, monkeypatch, capsys, ids)
        finally:
            clear_dependents(client)
            remove(client, ids)


def _import_and_adopt(target_url, tmp_path, monkeypatch, capsys, ids):
    out = tmp_path / "imported"
    code, stdout, stderr = cli(capsys, "import", "--target", target_url, "--out", str(out))
    assert code == 0, stderr
    written = documents(out)
    texts = "".join(path.read_text() for path in out.glob("*.yaml"))
    for secret in (CHAT_KEY, EMBED_KEY):
        assert secret not in texts + stdout + stderr
    kinds = (
        "cluster-settings",
        "model-groups",
        "connectors",
        "models",
        "ingest-pipelines",
        "search-pipelines",
    )
    assert set(written) == {f"{kind}.yaml" for kind in (*kinds, "agents")}, stderr
    assert texts.count("# yaml-language-server: $schema=") == len(written)
    models = {doc["metadata"]["name"]: doc["spec"] for doc in written["models.yaml"]}
    assert {name: spec["deployed"] for name, spec in models.items()} == {
        "hand-chat": True, "hand-chat-spare": False, "hand-embed": True}  # fmt: skip
    assert models["hand-chat"]["connector"] == "openai-chat-hand-made"
    assert models["hand-embed"]["inline_connector"]["credential"] == {
        "cohere_key": {"env": "HAND_EMBED_COHERE_KEY"}
    }
    assert written["ingest-pipelines.yaml"][0]["spec"]["processors"][0]["ml_inference"]["model_id"] == {
        "model": "hand-embed"}  # fmt: skip
    search = written["search-pipelines.yaml"][0]["spec"]["request_processors"][0]["ml_inference"]
    assert search["model_id"] == {"model": "hand-embed"}
    assert written["agents.yaml"][0]["spec"]["tools"][0]["parameters"]["model_id"] == {"model": "hand-chat"}
    assert "OPENAI_CHAT_HAND_MADE_OPENAI_KEY" in stderr and "HAND_EMBED_COHERE_KEY" in stderr

    code, _, stderr = cli(capsys, "validate", str(out))
    assert code == 0, stderr
    monkeypatch.setenv("OPENAI_CHAT_HAND_MADE_OPENAI_KEY", CHAT_KEY)
    monkeypatch.setenv("HAND_EMBED_COHERE_KEY", EMBED_KEY)
    code, adopted, stderr = cli(capsys, "reconcile", str(out), "--adopt", "--target", target_url)
    assert code == 0, adopted + stderr
    assert CHAT_KEY not in adopted + stderr and EMBED_KEY not in adopted + stderr
    # Taking ownership changes nothing on the target: no update, no replacement, no undeploy.
    assert "(update)" not in adopted and "(replace)" not in adopted and "(undeploy)" not in adopted
    code, plan, stderr = cli(capsys, "plan", str(out), "--target", target_url, "--detailed-exitcode")
    assert code == 0, plan + stderr
    assert "No changes" in plan
    with open_backend(target_url) as backend:
        state = backend.read_state([])
    owned = {key: resource.resource_id for key, resource in state.resources.items()}
    assert owned[ResourceKey(Kind.MODEL_GROUP, "hand-made-models")] == ids["group"]
    for kind, name, made in ((Kind.MODEL, "hand-chat", "chat"), (Kind.MODEL, "hand-chat-spare", "spare"),
                             (Kind.MODEL, "hand-embed", "embed"),
                             (Kind.CONNECTOR, "openai-chat-hand-made", "connector")):  # fmt: skip
        assert owned[ResourceKey(kind, name)] == ids[made]
    # Nothing owned is exported again.
    code, _, stderr = cli(capsys, "import", "--target", target_url, "--out", str(tmp_path / "again"))
    assert code == 0, stderr
    assert "nothing to import" in stderr
    assert not (tmp_path / "again").exists()
