"""The ``ml_inference`` ingest processor and a flow agent give the same answers on both backends.

The same assertions run on the embedded engine (over HTTP) and, when configured, on a real
OpenSearch 2.19 + ML Commons node (see ``targetkit``), with a chat model served by the loopback
stand-in: input maps from fields and JSONPath, output maps from a ``dataAsMap`` key or JSONPath, the
whole result without an output map, ``full_response_path``, ``model_config``, a missing input field.
"""

# mypy: allow-untyped-defs, allow-untyped-calls

import os
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from manifestkit import trusted_loopback
from mlgitops.cli.main import main
from mlgitops.standin.server import StandinServer
from targetkit import target_client, target_url_fixture  # noqa: F401 - the target_url fixture

KEY = "sk-conformance-test-3141"
MANIFESTS = (
    trusted_loopback()
    + """\
---
apiVersion: mlgitops/v1
kind: Connector
metadata: {name: RUN}
spec:
  version: "1"
  protocol: http
  parameters: {model: gpt-4o-mini}
  credential: {openAI_key: {env: CONFORMANCE_KEY}}
  actions:
    - action_type: predict
      method: POST
      url: STANDIN/v1/chat/completions
      headers: {Authorization: "Bearer ${credential.openAI_key}"}
      request_body: '{ "model": "${parameters.model}", "messages": ${parameters.messages} }'
---
apiVersion: mlgitops/v1
kind: ModelGroup
metadata: {name: RUN}
spec: {}
---
apiVersion: mlgitops/v1
kind: Model
metadata: {name: RUN}
spec: {function_name: remote, model_group: RUN, connector: RUN}
"""
)
MESSAGES = [{"role": "user", "content": "hello"}]


@pytest.fixture
def chat(target_url: str, tmp_path, monkeypatch, capsys) -> Iterator[tuple[httpx.Client, str]]:
    """An httpx client on the target and the id of a deployed chat model there."""
    run = f"conf{os.getpid()}x{int(time.time()) % 100000}"
    monkeypatch.setenv("CONFORMANCE_KEY", KEY)
    manifest = tmp_path / "m.yaml"
    with (
        StandinServer(api_keys={"openai": KEY}) as standin,
        target_client(target_url) as client,
    ):
        manifest.write_text(MANIFESTS.replace("RUN", run).replace("STANDIN", standin.url))
        assert main(["reconcile", str(manifest), "--target", target_url]) == 0, capsys.readouterr().err
        found = client.post("/_plugins/_ml/models/_search", json={"query": {"term": {"name.keyword": run}}})
        yield client, found.json()["hits"]["hits"][0]["_id"]
        manifest.write_text(MANIFESTS.split("\n---\n")[0])
        main(["reconcile", str(manifest), "--target", target_url, "--prune"])


def simulate(client: httpx.Client, config: dict[str, Any], source: dict[str, Any]) -> dict[str, Any]:
    body = {"pipeline": {"processors": [{"ml_inference": config}]}, "docs": [{"_source": source}]}
    response = client.post("/_ingest/pipeline/_simulate", json=body)
    assert response.status_code == 200, response.text
    doc: dict[str, Any] = response.json()["docs"][0]
    return doc


def test_output_maps_read_data_as_map_keys_and_json_paths(chat):
    client, model_id = chat
    config = {
        "model_id": model_id,
        "input_map": [{"messages": "messages"}],
        "output_map": [{"answer": "$.choices[0].message.content", "model": "model"}],
    }
    source = simulate(client, config, {"messages": MESSAGES})["doc"]["_source"]
    assert source["answer"] == "Stand-in reply to: hello" and source["model"] == "gpt-4o-mini"


def test_without_output_map_the_whole_result_goes_to_inference_results(chat):
    client, model_id = chat
    source = simulate(
        client, {"model_id": model_id, "input_map": [{"messages": "messages"}]}, {"messages": MESSAGES}
    )
    result = source["doc"]["_source"]["inference_results"]
    assert result["choices"][0]["message"]["content"] == "Stand-in reply to: hello"


def test_full_response_path_and_model_config(chat):
    client, model_id = chat
    config = {
        "model_id": model_id,
        "input_map": [{"messages": "$.chat.messages"}],
        "output_map": [{"answer": "$.inference_results[0].output[0].dataAsMap.model"}],
        "full_response_path": True,
        "model_config": {"model": "gpt-4o"},
    }
    source = simulate(client, config, {"chat": {"messages": MESSAGES}})["doc"]["_source"]
    assert source["answer"] == "gpt-4o"


def test_a_missing_input_field_fails_that_document(chat):
    client, model_id = chat
    doc = simulate(client, {"model_id": model_id, "input_map": [{"messages": "messages"}]}, {"other": 1})
    assert "Cannot find field name defined from input map: messages" in doc["error"]["reason"]


def test_a_flow_agent_runs_its_model_tool(chat):
    client, model_id = chat
    tool = {
        "type": "MLModelTool",
        "parameters": {
            "model_id": model_id,
            "messages": '[{"role": "user", "content": "${parameters.question}"}]',
            "response_field": "model",
        },
    }
    agent = client.post(
        "/_plugins/_ml/agents/_register", json={"name": "conformance", "type": "flow", "tools": [tool]}
    )
    agent_id = agent.json()["agent_id"]
    try:
        response = client.post(
            f"/_plugins/_ml/agents/{agent_id}/_execute", json={"parameters": {"question": "hi"}}
        )
        assert response.status_code == 200, response.text
        assert response.json() == {
            "inference_results": [{"output": [{"name": "response", "result": "gpt-4o-mini"}]}]
        }
    finally:
        client.delete(f"/_plugins/_ml/agents/{agent_id}")
