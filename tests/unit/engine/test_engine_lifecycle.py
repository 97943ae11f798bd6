"""Deploy/undeploy/predict: task and model states, auto-deploy, failures, background tasks, recovery."""

import json
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import httpx
import pytest
from enginekit import SECRET, create_connector, error, ok, register_model

from mlgitops.engine import LocalEngine
from mlgitops.engine.http.transport import EngineTransport
from mlgitops.engine.resources import tasks
from mlgitops.engine.resources.admission import RateLimiter
from mlgitops.engine.storage.store import MODEL_INDEX, TASK_INDEX
from mlgitops.errors import EngineError

MODELS = "/_plugins/_ml/models"


def _state(client: httpx.Client, model_id: str) -> str:
    return str(ok(client.get(f"{MODELS}/{model_id}"))["model_state"])


def test_deploy_and_undeploy(client: httpx.Client) -> None:
    model_id = register_model(client, create_connector(client))
    response = ok(client.post(f"{MODELS}/{model_id}/_deploy"))
    assert response["status"] == "COMPLETED"
    assert response["task_type"] == "DEPLOY_MODEL"
    # Like a real node, the deploy runs after the answer: the next request still sees it pending.
    task = ok(client.get(f"/_plugins/_ml/tasks/{response['task_id']}"))
    assert (task["state"], task["is_async"], task["function_name"]) == ("CREATED", True, "REMOTE")
    model = ok(client.get(f"{MODELS}/{model_id}"))
    assert model["model_state"] == "DEPLOYED"
    assert ok(client.get(f"/_plugins/_ml/tasks/{response['task_id']}"))["state"] == "COMPLETED"
    assert model["current_worker_node_count"] == 1
    undeployed = ok(client.post(f"{MODELS}/{model_id}/_undeploy"))
    assert list(undeployed.values()) == [{"stats": {model_id: "undeployed"}}]
    assert _state(client, model_id) == "UNDEPLOYED"


def test_undeploy_of_a_registered_model_still_sets_undeployed(client: httpx.Client) -> None:
    model_id = register_model(client, create_connector(client))
    response = ok(client.post(f"{MODELS}/_undeploy", json={"model_ids": [model_id]}))
    assert list(response.values()) == [{"stats": {model_id: "not_found"}}]
    assert _state(client, model_id) == "UNDEPLOYED"
    assert (
        error(client.post(f"{MODELS}/_undeploy", json={}), 400) == "Must set specific model ids to undeploy"
    )


def test_register_with_deploy_flag(client: httpx.Client) -> None:
    connector_id = create_connector(client)
    response = ok(
        client.post(
            f"{MODELS}/_register",
            params={"deploy": "true"},
            json={"name": "m", "function_name": "remote", "connector_id": connector_id},
        )
    )
    assert _state(client, response["model_id"]) == "DEPLOYING"
    assert _state(client, response["model_id"]) == "DEPLOYED"


def test_deploy_failure_marks_task_and_model(client: httpx.Client) -> None:
    model_id = register_model(client, "dangling", interface={"input": "{}"})
    task_id = ok(client.post(f"{MODELS}/{model_id}/_deploy"))["task_id"]
    assert ok(client.get(f"/_plugins/_ml/tasks/{task_id}"))["state"] == "CREATED"
    task = ok(client.get(f"/_plugins/_ml/tasks/{task_id}"))
    assert task["state"] == "FAILED"
    assert "Failed to find connector:dangling" in task["error"]
    assert _state(client, model_id) == "DEPLOY_FAILED"
    assert error(client.post(f"{MODELS}/nope/_deploy"), 404).startswith("Failed to find model")


def test_custom_deployment_plan_refused(client: httpx.Client) -> None:
    model_id = register_model(client, create_connector(client))
    assert error(client.post(f"{MODELS}/{model_id}/_deploy", json={"node_ids": ["n1"]}), 400) == (
        "Don't allow custom deployment plan"
    )


def test_predict_passes_connector_credentials_and_settings(client: httpx.Client, predictor: Any) -> None:
    model_id = register_model(client, create_connector(client))
    ok(client.post(f"{MODELS}/{model_id}/_deploy"))
    result = ok(client.post(f"{MODELS}/{model_id}/_predict/", json={"parameters": {"input": ["hi"]}}))
    assert result["inference_results"][0]["status_code"] == 200
    call = predictor.calls[-1]
    assert call["credentials"] == {"openAI_key": SECRET}
    assert call["request"] == {"parameters": {"input": ["hi"]}}
    assert call["connector"]["actions"][0]["action_type"] == "PREDICT"
    assert call["settings"]["plugins.ml_commons.connector.private_ip_enabled"] is False
    assert call["action_type"] == "PREDICT"
    ok(client.post(f"/_plugins/_ml/_predict/text_embedding/{model_id}", json={"text_docs": ["a"]}))
    assert predictor.calls[-1]["request"] == {"text_docs": ["a"]}
    assert SECRET not in json.dumps(result)


def test_predict_auto_deploys(client: httpx.Client) -> None:
    model_id = register_model(client, create_connector(client))
    ok(client.post(f"{MODELS}/{model_id}/_predict", json={"parameters": {}}))
    assert _state(client, model_id) == "DEPLOYED"


def test_predict_refusals(client: httpx.Client, predictor: Any) -> None:
    connector_id = create_connector(client)
    disabled = register_model(client, connector_id, is_enabled=False)
    ok(client.post(f"{MODELS}/{disabled}/_deploy"))
    assert _state(client, disabled) == "DEPLOYING"
    assert _state(client, disabled) == "DEPLOYED"
    assert error(client.post(f"{MODELS}/{disabled}/_predict", json={}), 403) == "Model is disabled."
    no_auto = register_model(client, connector_id, deploy_setting={"is_auto_deploy_enabled": False})
    assert error(client.post(f"{MODELS}/{no_auto}/_predict", json={}), 400) == (
        "Auto deployment disabled for this model, please deploy model first"
    )
    plain = register_model(client, connector_id)
    ok(
        client.put(
            "/_cluster/settings", json={"persistent": {"plugins.ml_commons.model_auto_deploy.enable": False}}
        )
    )
    assert error(client.post(f"{MODELS}/{plain}/_predict", json={}), 400) == (
        "Model not ready yet. Please deploy the model first."
    )
    assert error(client.post(f"{MODELS}/nope/_predict", json={}), 404).startswith("Failed to find model")
    assert predictor.calls == []


def test_background_tasks_are_pollable_and_finished_on_close(engine_dir: Path, predictor: Any) -> None:
    gate = threading.Event()

    def hold() -> None:
        gate.wait(30)  # bounded, so a runner that runs jobs inline fails instead of hanging

    with (
        LocalEngine(engine_dir, background_tasks=True, predictor=predictor) as engine,
        httpx.Client(transport=EngineTransport(engine), base_url="http://x") as client,
    ):
        model_id = register_model(client, create_connector(client))
        engine.runner.submit(hold)  # holds the worker so the deploy below stays queued
        response = ok(client.post(f"{MODELS}/{model_id}/_deploy"))
        assert response["status"] == "COMPLETED"  # 2.11+ answers before the task has run
        task_id = response["task_id"]
        assert ok(client.get(f"/_plugins/_ml/tasks/{task_id}"))["state"] == "CREATED"
        assert _state(client, model_id) == "DEPLOYING"
        gate.set()
        engine.wait_for_tasks()
        assert ok(client.get(f"/_plugins/_ml/tasks/{task_id}"))["state"] == "COMPLETED"
        assert _state(client, model_id) == "DEPLOYED"
        gate.clear()
        engine.runner.submit(hold)
        second = ok(client.post(f"{MODELS}/{model_id}/_deploy"))["task_id"]
        threading.Timer(0, gate.set).start()  # released while close() waits for the queue
    with LocalEngine(engine_dir) as reopened:
        assert reopened.tasks.get(second)["state"] == "COMPLETED"


def test_tasks_search_and_delete(client: httpx.Client) -> None:
    model_id = register_model(client, create_connector(client))
    hits = ok(client.post("/_plugins/_ml/tasks/_search", json={"query": {"term": {"model_id": model_id}}}))[
        "hits"
    ]
    assert hits["total"]["value"] == 1
    task_id = hits["hits"][0]["_id"]
    assert "_engine_pid" not in json.dumps(hits)
    assert ok(client.delete(f"/_plugins/_ml/tasks/{task_id}"))["result"] == "deleted"
    assert error(client.get(f"/_plugins/_ml/tasks/{task_id}"), 404) == "Failed to find task"


def test_unfinished_tasks_of_a_dead_process_are_failed(engine: LocalEngine, client: httpx.Client) -> None:
    model_id = register_model(client, create_connector(client))
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, check=True
    )
    with engine.store.write() as tx:
        task_id = tasks.new_task(tx, "DEPLOY_MODEL", model_id, "RUNNING", is_async=True)
        row = tx.get(TASK_INDEX, task_id)
        assert row is not None
        tx.put(TASK_INDEX, task_id, {**row.source, "_engine_pid": int(dead.stdout)})
        live_task = tasks.new_task(tx, "DEPLOY_MODEL", model_id, "RUNNING", is_async=True)
        model = tx.get(MODEL_INDEX, model_id)
        assert model is not None
        tx.put(MODEL_INDEX, model_id, {**model.source, "model_state": "DEPLOYING"})
    assert tasks.recover(engine.store) == 1
    assert ok(client.get(f"/_plugins/_ml/tasks/{task_id}"))["state"] == "FAILED"
    assert ok(client.get(f"/_plugins/_ml/tasks/{live_task}"))["state"] == "RUNNING"
    assert _state(client, model_id) == "DEPLOY_FAILED"


def test_rate_limiter_throttles_at_model_level(client: httpx.Client, predictor: Any) -> None:
    model_id = register_model(
        client, create_connector(client), rate_limiter={"limit": "2", "unit": "MINUTES"}
    )
    for _ in range(2):
        ok(client.post(f"{MODELS}/{model_id}/_predict", json={"parameters": {}}))
    assert error(client.post(f"{MODELS}/{model_id}/_predict", json={"parameters": {}}), 429) == (
        "Request is throttled at model level."
    )
    assert len(predictor.calls) == 2


def test_rate_limiter_window_slides() -> None:
    now = [0.0]
    limiter = RateLimiter(clock=lambda: now[0])
    limiter.admit("m", {"limit": "1", "unit": "SECONDS"})
    with pytest.raises(EngineError):
        limiter.admit("m", {"limit": "1", "unit": "SECONDS"})
    now[0] = 1.5
    limiter.admit("m", {"limit": "1", "unit": "SECONDS"})
    limiter.admit("other", {"limit": "1", "unit": "SECONDS"})


def test_interface_input_schema_is_enforced(client: httpx.Client, predictor: Any) -> None:
    schema = {"type": "object", "properties": {"parameters": {"type": "object", "required": ["prompt"]}}}
    model_id = register_model(client, create_connector(client), interface={"input": schema})
    ok(client.post(f"{MODELS}/{model_id}/_deploy"))
    assert _state(client, model_id) == "DEPLOYING"
    assert _state(client, model_id) == "DEPLOYED"
    reason = error(client.post(f"{MODELS}/{model_id}/_predict", json={"parameters": {"x": 1}}), 400)
    assert reason.startswith(
        "Error validating input schema, if you think this is expected, please update your"
    )
    assert "Validation failed: [$.parameters: required property 'prompt' not found] for instance: " in reason
    ok(client.post(f"{MODELS}/{model_id}/_predict", json={"parameters": {"prompt": "hi"}}))
    assert len(predictor.calls) == 1


def test_wrongly_typed_predict_and_undeploy_bodies_are_parse_errors(
    client: httpx.Client, predictor: Any
) -> None:
    model_id = register_model(client, create_connector(client))
    response = client.post(f"{MODELS}/{model_id}/_predict", json={"parameters": "text"})
    assert error(response, 400) == "[parameters] must be an object"
    assert response.json()["error"]["type"] == "parse_exception"
    assert error(client.post(f"{MODELS}/_undeploy", json={"model_ids": model_id}), 400) == (
        "[model_ids] must be an array"
    )
    assert predictor.calls == []


def test_undeploy_of_several_models_is_refused_under_model_access_control(
    engine_dir: Path, predictor: Any
) -> None:
    with (
        LocalEngine(engine_dir, security_enabled=True, predictor=predictor) as engine,
        httpx.Client(transport=EngineTransport(engine), base_url="http://x") as client,
    ):
        connector_id = create_connector(client)
        first, second = register_model(client, connector_id), register_model(client, connector_id)
        many = {"model_ids": [first, second]}
        assert list(ok(client.post(f"{MODELS}/_undeploy", json=many)).values()) == [
            {"stats": {first: "not_found", second: "not_found"}}
        ]
        ok(
            client.put(
                "/_cluster/settings",
                json={"persistent": {"plugins.ml_commons.model_access_control_enabled": True}},
            )
        )
        assert error(client.post(f"{MODELS}/_undeploy", json=many), 400) == "only support undeploy one model"
        assert list(ok(client.post(f"{MODELS}/_undeploy", json={"model_ids": [first]})).values()) == [
            {"stats": {first: "not_found"}}
        ]
