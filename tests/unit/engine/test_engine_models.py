"""Models: register (connector id / inline / group auto-create), update rules, delete rules."""

import json

import httpx
import pytest
from enginekit import SECRET, connector_body, create_connector, error, ok, register_group, register_model

from mlgitops.engine import LocalEngine
from mlgitops.model.mlcommons import MODEL_ACCESS_DISABLED_MESSAGE

MODELS = "/_plugins/_ml/models"


def _inline() -> dict[str, object]:
    body = connector_body()
    del body["name"], body["version"]
    return body


def test_register_with_connector_id(client: httpx.Client) -> None:
    connector_id = create_connector(client)
    group_id = register_group(client)
    response = ok(
        client.post(
            f"{MODELS}/_register",
            json={
                "name": "m",
                "function_name": "remote",
                "model_group_id": group_id,
                "connector_id": connector_id,
                "description": "d",
                "interface": {"input": {"type": "object"}, "other": 1},
            },
        )
    )
    assert response["status"] == "CREATED"
    task = ok(client.get(f"/_plugins/_ml/tasks/{response['task_id']}"))
    assert task["state"] == "COMPLETED"
    assert task["task_type"] == "REGISTER_MODEL"
    assert task["model_id"] == response["model_id"]
    model = ok(client.get(f"{MODELS}/{response['model_id']}"))
    assert model["model_state"] == "REGISTERED"
    assert model["algorithm"] == "REMOTE"
    assert model["model_version"] == "1"
    assert model["connector_id"] == connector_id
    assert model["interface"] == {"input": '{"type":"object"}'}
    assert ok(client.get(f"/_plugins/_ml/model_groups/{group_id}"))["latest_version"] == 1
    second = register_model(client, connector_id, model_group_id=group_id)
    assert ok(client.get(f"{MODELS}/{second}"))["model_version"] == "2"


def test_register_creates_or_reuses_group_by_name(client: httpx.Client) -> None:
    connector_id = create_connector(client)
    first = ok(client.get(f"{MODELS}/{register_model(client, connector_id, name='auto')}"))
    second = ok(client.get(f"{MODELS}/{register_model(client, connector_id, name='auto')}"))
    assert first["model_group_id"] == second["model_group_id"]
    assert second["model_version"] == "2"
    assert ok(client.get(f"/_plugins/_ml/model_groups/{first['model_group_id']}"))["name"] == "auto"


def test_register_inline_connector_strips_credential(client: httpx.Client, engine: LocalEngine) -> None:
    response = ok(
        client.post(
            f"{MODELS}/_register", json={"name": "inline", "function_name": "remote", "connector": _inline()}
        )
    )
    model = ok(client.get(f"{MODELS}/{response['model_id']}"))
    assert model["connector"]["actions"][0]["action_type"] == "PREDICT"
    assert SECRET not in json.dumps(model)
    assert SECRET not in client.post(f"{MODELS}/_search", json={}).text
    with engine.store.read() as tx:
        assert engine.vault.load(tx, response["model_id"])["openAI_key"].get_secret_value() == SECRET


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        ({"function_name": "remote"}, 400, "model name is null"),
        ({"name": "m"}, 400, "model format is null"),
        ({"name": "m", "function_name": "nope"}, 400, "Wrong function name"),
        (
            {"name": "m", "function_name": "remote"},
            400,
            "You must provide connector content when creating a remote model without connector id!",
        ),
        (
            {"name": "m", "function_name": "remote", "connector_id": "missing"},
            404,
            "Failed to find connector:missing",
        ),
        ({"name": "m", "function_name": "remote", "connector_id": "x", "model_group_id": "nope"}, 500, None),
        (
            {"name": "m", "function_name": "remote", "connector_id": "x", "access_mode": "public"},
            400,
            MODEL_ACCESS_DISABLED_MESSAGE,
        ),
        (
            {
                "name": "m",
                "function_name": "remote",
                "connector_id": "x",
                "rate_limiter": {"limit": "-1", "unit": "SECONDS"},
            },
            400,
            "Limit field must be a positive number.",
        ),
    ],
)
def test_register_errors(
    client: httpx.Client, body: dict[str, object], status: int, message: str | None
) -> None:
    if body.get("connector_id") == "x":
        body = {**body, "connector_id": create_connector(client)}
    reason = error(client.post(f"{MODELS}/_register", json=body), status)
    assert reason == (message or "Model Group Response is empty for nope")


def test_register_dangling_connector_accepted_with_interface(client: httpx.Client) -> None:
    model_id = register_model(client, "gone", interface={"input": "{}"})
    assert ok(client.get(f"{MODELS}/{model_id}"))["connector_id"] == "gone"


def test_inline_connector_checks(client: httpx.Client) -> None:
    body = _inline()
    del body["protocol"]
    register = {"name": "m", "function_name": "remote"}
    assert error(client.post(f"{MODELS}/_register", json={**register, "connector": body}), 400) == (
        "connector protocol is null"
    )
    no_predict = {**_inline(), "actions": [{**_inline()["actions"][0], "action_type": "execute"}]}  # type: ignore[index]
    assert error(client.post(f"{MODELS}/_register", json={**register, "connector": no_predict}), 400) == (
        "Connector endpoint is required when creating a remote model without connector id!"
    )
    untrusted = {**_inline(), "actions": [{**_inline()["actions"][0], "url": "https://x.io/"}]}  # type: ignore[index]
    assert error(
        client.post(f"{MODELS}/_register", json={**register, "connector": untrusted}), 400
    ).startswith("Connector URL is not matching")


def test_interface_preset_for_bedrock(client: httpx.Client) -> None:
    url = "https://bedrock-runtime.us-east-1.amazonaws.com/model/amazon.titan-embed-text-v1/invoke"
    connector_id = create_connector(
        client,
        protocol="aws_sigv4",
        credential={"access_key": "a", "secret_key": "b"},
        parameters={"region": "us-east-1", "service_name": "bedrock", "model": "amazon.titan-embed-text-v1"},
        actions=[{"action_type": "predict", "method": "POST", "url": url, "request_body": "{}"}],
    )
    model = ok(client.get(f"{MODELS}/{register_model(client, connector_id)}"))
    assert set(model["interface"]) == {"input", "output"}
    plain = ok(client.get(f"{MODELS}/{register_model(client, create_connector(client), name='other')}"))
    assert "interface" not in plain


def test_get_and_search_hide_hidden_models(client: httpx.Client, engine: LocalEngine) -> None:
    model_id = register_model(client, create_connector(client))
    assert error(client.get(f"{MODELS}/nope"), 404) == "Failed to find model with the provided model id: nope"
    with engine.store.write() as tx:
        row = tx.get(".plugins-ml-model", model_id)
        assert row is not None
        tx.put(".plugins-ml-model", model_id, {**row.source, "is_hidden": True})
    assert (
        ok(client.post(f"{MODELS}/_search", json={"query": {"match_all": {}}}))["hits"]["total"]["value"] == 0
    )


def test_update_fields_and_group_move(client: httpx.Client) -> None:
    model_id = register_model(client, create_connector(client))
    target = register_group(client, "target")
    response = ok(
        client.put(
            f"{MODELS}/{model_id}",
            json={"description": "new", "is_enabled": False, "model_group_id": target, "unknown": 1},
        )
    )
    assert response["result"] == "updated"
    model = ok(client.get(f"{MODELS}/{model_id}"))
    assert (model["description"], model["is_enabled"], model["model_group_id"]) == ("new", False, target)
    assert model["model_version"] == "1"
    assert "unknown" not in model
    reason = error(client.put(f"{MODELS}/{model_id}", json={"model_group_id": "nope"}), 404)
    assert reason == (
        "Failed to find the model group with the provided model group id in the update model input, "
        "MODEL_GROUP_ID: nope"
    )


def test_update_connector_rules(client: httpx.Client, engine: LocalEngine) -> None:
    by_id = register_model(client, create_connector(client))
    inline = ok(
        client.post(
            f"{MODELS}/_register", json={"name": "i", "function_name": "remote", "connector": _inline()}
        )
    )["model_id"]
    assert error(client.put(f"{MODELS}/{by_id}", json={"connector_id": "a", "connector": {"a": 1}}), 400) == (
        "Model cannot have both stand-alone connector and internal connector. "
        "Please check your update input body."
    )
    assert error(client.put(f"{MODELS}/{by_id}", json={"connector": {"description": "x"}}), 400).startswith(
        "Cannot update connector settings for this model."
    )
    assert error(client.put(f"{MODELS}/{inline}", json={"connector_id": "x"}), 400) == (
        "This remote does not have a connector_id field, maybe it uses an internal connector."
    )
    ok(
        client.put(
            f"{MODELS}/{inline}",
            json={"connector": {"parameters": {"extra": 1}, "credential": {"openAI_key": "sk-2"}}},
        )
    )
    model = ok(client.get(f"{MODELS}/{inline}"))
    assert model["connector"]["parameters"]["extra"] == "1"
    assert model["connector"]["parameters"]["model"] == "text-embedding-ada-002"
    with engine.store.read() as tx:
        assert engine.vault.load(tx, inline)["openAI_key"].get_secret_value() == "sk-2"


def test_update_errors(client: httpx.Client, engine: LocalEngine) -> None:
    assert error(client.put(f"{MODELS}/nope", json={"name": "x"}), 404) == (
        "Failed to find model to update with the provided model id: nope"
    )
    model_id = register_model(client, create_connector(client))
    assert error(client.put(f"{MODELS}/{model_id}"), 400) == "Update model request has empty body"
    with engine.store.write() as tx:
        row = tx.get(".plugins-ml-model", model_id)
        assert row is not None
        tx.put(".plugins-ml-model", model_id, {**row.source, "model_state": "DEPLOYING"})
    assert error(client.put(f"{MODELS}/{model_id}", json={"name": "x"}), 409) == (
        f"Model is deploying. Please wait for the model to complete deployment. model ID {model_id}"
    )


def test_delete_rules(client: httpx.Client, engine: LocalEngine) -> None:
    model_id = ok(
        client.post(
            f"{MODELS}/_register", json={"name": "i", "function_name": "remote", "connector": _inline()}
        )
    )["model_id"]
    ok(client.post(f"{MODELS}/{model_id}/_deploy"))
    assert error(client.delete(f"{MODELS}/{model_id}"), 400) == (
        "Model cannot be deleted in deploying or deployed state. Try undeploy model first then delete"
    )
    ok(client.post(f"{MODELS}/{model_id}/_undeploy"))
    assert ok(client.delete(f"{MODELS}/{model_id}"))["result"] == "deleted"
    assert engine.vault.count() == 0
    assert error(client.delete(f"{MODELS}/{model_id}"), 404) == "Failed to find model"


@pytest.mark.parametrize(
    "field", ["rate_limiter", "deploy_setting", "guardrails", "model_config", "connector"]
)
def test_object_fields_that_are_not_objects_are_parse_errors(client: httpx.Client, field: str) -> None:
    connector_id = create_connector(client)
    response = client.post(
        f"{MODELS}/_register",
        json={"name": "m", "function_name": "remote", "connector_id": connector_id, field: "text"},
    )
    found = "Failed to parse object: expecting token of type [START_OBJECT] but found"
    assert error(response, 400) == f"{found} [VALUE_STRING]"
    assert response.json()["error"]["type"] == "parsing_exception"
    model_id = register_model(client, connector_id)
    assert error(client.put(f"{MODELS}/{model_id}", json={field: [1]}), 400) == f"{found} [START_ARRAY]"
    assert error(client.put(f"{MODELS}/{model_id}", json={field: None}), 400) == f"{found} [VALUE_NULL]"
    ok(client.post(f"{MODELS}/{model_id}/_predict", json={"parameters": {}}))  # the stored model still works
