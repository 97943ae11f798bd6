"""Engine pipelines and agents: storage and referential rules as on ML Commons 2.19.1, simulate, execute.

The answers were checked against a real OpenSearch 2.19.1 + ML Commons 2.19.1.0 node: a pipeline or
an agent may name a model id that does not exist; a model in use can be undeployed, and deleted unless
``safe_delete_model`` is on (then 409 naming the users); a missing pipeline is 404 ``{}`` on GET and
``pipeline [x] is missing`` on DELETE; a missing agent is ``Failed to find agent with the provided
agent id`` on GET and ``Fail to find ml agent`` on DELETE.
"""

# mypy: allow-untyped-defs, allow-untyped-calls

import json
from collections.abc import Mapping
from typing import Any

import httpx
import pytest
from enginekit import create_connector, error, ok, register_model

ML = "/_plugins/_ml"


class ShapedPredictor:
    """Answers like remote models: an embedding tensor for ``inputText``, else a chat ``response``."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []

    def __call__(self, connector: Mapping[str, Any], credentials: Any, request: Mapping[str, Any], **_: Any):
        self.requests.append(dict(request))
        parameters = request.get("parameters") or {}
        if "inputText" in parameters:
            text = str(parameters["inputText"])
            tensor = {
                "name": "sentence_embedding",
                "data_type": "FLOAT32",
                "shape": [2],
                "data": [len(text), 0.5],
            }
            return {"inference_results": [{"output": [tensor], "status_code": 200}]}
        answer = {"response": f"answer: {parameters.get('prompt', '')}", "usage": {"tokens": 3}}
        return {
            "inference_results": [{"output": [{"name": "response", "dataAsMap": answer}], "status_code": 200}]
        }


@pytest.fixture
def predictor() -> ShapedPredictor:
    return ShapedPredictor()


@pytest.fixture
def model_id(client: httpx.Client) -> str:
    model = register_model(client, create_connector(client))
    ok(client.post(f"{ML}/models/{model}/_deploy"))
    return model


def embed_pipeline(model: str, **config: Any) -> dict[str, Any]:
    processor = {
        "model_id": model,
        "input_map": [{"inputText": "passage.text"}],
        "output_map": [{"passage_embedding": "data"}],
        **config,
    }
    return {"description": "embed", "processors": [{"ml_inference": processor}]}


def simulate(client: httpx.Client, pipeline: str, *sources: dict[str, Any]) -> list[dict[str, Any]]:
    body = ok(
        client.post(
            f"/_ingest/pipeline/{pipeline}/_simulate", json={"docs": [{"_source": s} for s in sources]}
        )
    )
    return list(body["docs"])


def test_pipelines_are_stored_as_sent_and_missing_ones_answer_like_opensearch(client, model_id):
    body = embed_pipeline(model_id)
    assert ok(client.put("/_ingest/pipeline/embed", json=body)) == {"acknowledged": True}
    assert ok(client.get("/_ingest/pipeline/embed")) == {"embed": body}
    missing = client.get("/_ingest/pipeline/nope")
    assert (missing.status_code, missing.json()) == (404, {})
    assert ok(client.delete("/_ingest/pipeline/embed")) == {"acknowledged": True}
    assert error(client.delete("/_ingest/pipeline/embed"), 404) == "pipeline [embed] is missing"
    search = {"request_processors": [{"ml_inference": {"model_id": model_id}}]}
    ok(client.put("/_search/pipeline/rewrite", json=search))
    assert ok(client.get("/_search/pipeline/rewrite")) == {"rewrite": search}
    assert client.get("/_ingest/pipeline/rewrite").status_code == 404


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ({"description": "x"}, "[processors] required property is missing"),
        ({"processors": [{"text_embedding": {}}]}, "No processor type exists with name [text_embedding]"),
        ({"processors": [{"ml_inference": {"input_map": []}}]}, "[model_id] required property is missing"),
    ],
)
def test_bad_pipelines_are_refused(client, body, reason):
    assert error(client.put("/_ingest/pipeline/bad", json=body), 400) == reason


def test_a_pipeline_or_agent_may_name_a_model_that_does_not_exist(client):
    ok(client.put("/_ingest/pipeline/p", json=embed_pipeline("no-such-model")))
    agent = {"name": "a", "type": "conversational", "llm": {"model_id": "no-such-model", "parameters": {}}}
    agent_id = ok(client.post(f"{ML}/agents/_register", json=agent))["agent_id"]
    stored = ok(client.get(f"{ML}/agents/{agent_id}"))
    assert stored["llm"] == {"model_id": "no-such-model"} and stored["is_hidden"] is False


def test_agents_get_search_and_delete(client, model_id):
    tool = {"type": "MLModelTool", "parameters": {"model_id": model_id}}
    agent_id = ok(
        client.post(f"{ML}/agents/_register", json={"name": "helper", "type": "flow", "tools": [tool]})
    )["agent_id"]
    stored = ok(client.get(f"{ML}/agents/{agent_id}"))
    assert stored["tools"] == [{"include_output_in_agent_response": False, **tool}]
    hits = ok(client.post(f"{ML}/agents/_search", json={"query": {"term": {"name.keyword": "helper"}}}))
    assert [hit["_id"] for hit in hits["hits"]["hits"]] == [agent_id]
    assert ok(client.delete(f"{ML}/agents/{agent_id}"))["result"] == "deleted"
    assert error(client.delete(f"{ML}/agents/{agent_id}"), 404) == "Fail to find ml agent"
    reason = error(client.get(f"{ML}/agents/{agent_id}"), 404)
    assert reason == f"Failed to find agent with the provided agent id: {agent_id}"


def test_a_used_model_can_be_undeployed_and_deleted_by_default(client, model_id):
    ok(client.put("/_ingest/pipeline/p", json=embed_pipeline(model_id)))
    ok(client.post(f"{ML}/models/{model_id}/_undeploy"))
    assert ok(client.delete(f"{ML}/models/{model_id}"))["result"] == "deleted"


def test_safe_delete_refuses_to_delete_a_model_agents_or_pipelines_use(client, model_id):
    ok(client.put("/_cluster/settings", json={"transient": {"plugins.ml_commons.safe_delete_model": True}}))
    ok(client.put("/_ingest/pipeline/p1", json=embed_pipeline(model_id)))
    tool = {"type": "MLModelTool", "parameters": {"model_id": model_id}}
    agent_id = ok(client.post(f"{ML}/agents/_register", json={"name": "a", "type": "flow", "tools": [tool]}))[
        "agent_id"
    ]
    ok(client.post(f"{ML}/models/{model_id}/_undeploy"))
    assert error(client.delete(f"{ML}/models/{model_id}"), 409) == (
        "1 agents are still using this model, please delete or update the agents first, "
        f"all visible agents are: [{agent_id}]"
    )
    ok(client.delete(f"{ML}/agents/{agent_id}"))
    assert error(client.delete(f"{ML}/models/{model_id}"), 409) == (
        "1 ingest pipelines are still using this model, please delete or update the pipelines first: [p1]"
    )
    ok(client.delete("/_ingest/pipeline/p1"))
    assert ok(client.delete(f"{ML}/models/{model_id}"))["result"] == "deleted"


def test_simulate_maps_document_fields_in_and_model_output_out(client, model_id, predictor):
    ok(client.put("/_ingest/pipeline/embed", json=embed_pipeline(model_id, model_config={"dims": 2})))
    docs = simulate(client, "embed", {"passage": {"text": "hello"}}, {"passage": {"text": "hi"}})
    assert [doc["doc"]["_source"]["passage_embedding"] for doc in docs] == [[5, 0.5], [2, 0.5]]
    assert docs[0]["doc"]["_source"]["passage"] == {"text": "hello"}
    assert predictor.requests[0] == {"parameters": {"dims": "2", "inputText": "hello"}}


def test_simulate_reports_a_failing_document_and_keeps_the_others(client, model_id):
    ok(client.put("/_ingest/pipeline/embed", json=embed_pipeline(model_id)))
    docs = simulate(client, "embed", {"other": 1}, {"passage": {"text": "ok"}})
    assert docs[0]["error"]["reason"] == "Cannot find field name defined from input map: passage.text"
    assert docs[1]["doc"]["_source"]["passage_embedding"] == [2, 0.5]


def test_simulate_skips_an_existing_output_unless_override(client, model_id, predictor):
    ok(client.put("/_ingest/pipeline/keep", json=embed_pipeline(model_id)))
    ok(client.put("/_ingest/pipeline/over", json=embed_pipeline(model_id, override=True)))
    source = {"passage": {"text": "abc"}, "passage_embedding": "kept"}
    assert simulate(client, "keep", source)[0]["doc"]["_source"]["passage_embedding"] == "kept"
    assert predictor.requests == []
    assert simulate(client, "over", source)[0]["doc"]["_source"]["passage_embedding"] == [3, 0.5]


def test_simulate_without_output_map_and_with_a_json_path_and_response_paths(client, model_id):
    chat = {"model_id": model_id, "input_map": [{"prompt": "$.question"}]}
    body = {"pipeline": {"processors": [{"ml_inference": chat}]}, "docs": [{"_source": {"question": "why"}}]}
    source = ok(client.post("/_ingest/pipeline/_simulate", json=body))["docs"][0]["doc"]["_source"]
    assert source["inference_results"] == {"response": "answer: why", "usage": {"tokens": 3}}
    chat["output_map"] = [{"answer": "response", "tokens": "$.usage.tokens"}]
    source = ok(client.post("/_ingest/pipeline/_simulate", json=body))["docs"][0]["doc"]["_source"]
    assert (source["answer"], source["tokens"]) == ("answer: why", 3)
    chat["output_map"] = [{"answer": "$.inference_results[0].output[0].dataAsMap.response"}]
    chat["full_response_path"] = True
    source = ok(client.post("/_ingest/pipeline/_simulate", json=body))["docs"][0]["doc"]["_source"]
    assert source["answer"] == "answer: why"


def test_simulate_of_an_unknown_pipeline_is_404(client):
    body = {"docs": [{"_source": {}}]}
    assert (
        error(client.post("/_ingest/pipeline/nope/_simulate", json=body), 404)
        == "pipeline [nope] does not exist"
    )


def test_flow_agent_runs_its_model_tool(client, model_id, predictor):
    tool = {
        "type": "MLModelTool",
        "name": "chat",
        "parameters": {"model_id": model_id, "input": "${parameters.q}"},
    }
    agent = {"name": "a", "type": "flow", "tools": [tool], "parameters": {"prompt": "from the agent"}}
    agent_id = ok(client.post(f"{ML}/agents/_register", json=agent))["agent_id"]
    result = ok(client.post(f"{ML}/agents/{agent_id}/_execute", json={"parameters": {"q": "hello"}}))
    assert result == {
        "inference_results": [{"output": [{"name": "response", "result": "answer: from the agent"}]}]
    }
    assert predictor.requests[-1]["parameters"]["input"] == "hello"
    tool["parameters"]["response_field"] = "missing"
    agent_id = ok(client.post(f"{ML}/agents/_register", json=agent))["agent_id"]
    output = ok(client.post(f"{ML}/agents/{agent_id}/_execute", json={"parameters": {}}))
    assert json.loads(output["inference_results"][0]["output"][0]["result"])["usage"] == {"tokens": 3}


def test_agents_the_engine_cannot_run_are_refused_clearly(client, model_id):
    tool = {"type": "VectorDBTool", "parameters": {"model_id": model_id}}
    flow = ok(client.post(f"{ML}/agents/_register", json={"name": "v", "type": "flow", "tools": [tool]}))[
        "agent_id"
    ]
    assert "cannot run tool type VectorDBTool" in error(
        client.post(f"{ML}/agents/{flow}/_execute", json={}), 400
    )
    chat = {"name": "c", "type": "conversational", "llm": {"model_id": model_id}}
    conversational = ok(client.post(f"{ML}/agents/_register", json=chat))["agent_id"]
    assert "flow agents only" in error(client.post(f"{ML}/agents/{conversational}/_execute", json={}), 400)
