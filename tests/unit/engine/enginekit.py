"""Helpers shared by the engine tests: request bodies and response checks."""

from typing import Any

import httpx

SECRET = "sk-TOPSECRET-4f1c9b7e"
OPENAI_URL = "https://api.openai.com/v1/embeddings"


def connector_body(**overrides: Any) -> dict[str, Any]:
    """An OpenAI embedding connector (the docs' example) with a secret key."""
    body: dict[str, Any] = {
        "name": "OpenAI embedding",
        "description": "test connector",
        "version": 1,
        "protocol": "http",
        "parameters": {"model": "text-embedding-ada-002", "dimensions": 8},
        "credential": {"openAI_key": SECRET},
        "actions": [
            {
                "action_type": "predict",
                "method": "POST",
                "url": OPENAI_URL,
                "headers": {"Authorization": "Bearer ${credential.openAI_key}"},
                "request_body": '{ "input": ${parameters.input}, "model": "${parameters.model}" }',
                "pre_process_function": "connector.pre_process.openai.embedding",
                "post_process_function": "connector.post_process.openai.embedding",
            }
        ],
    }
    body.update(overrides)
    return body


def ok(response: httpx.Response) -> dict[str, Any]:
    """The JSON body of a 2xx response (fails with the body otherwise)."""
    assert response.is_success, response.text
    body: dict[str, Any] = response.json()
    return body


def error(response: httpx.Response, status: int) -> str:
    """The error reason of a response that must have ``status``; checks the envelope shape."""
    assert response.status_code == status, response.text
    body = response.json()
    assert body["status"] == status
    assert body["error"]["root_cause"][0]["reason"] == body["error"]["reason"]
    reason: str = body["error"]["reason"]
    return reason


def create_connector(client: httpx.Client, **overrides: Any) -> str:
    return str(
        ok(client.post("/_plugins/_ml/connectors/_create", json=connector_body(**overrides)))["connector_id"]
    )


def register_group(client: httpx.Client, name: str = "group") -> str:
    body = ok(client.post("/_plugins/_ml/model_groups/_register", json={"name": name}))
    return str(body["model_group_id"])


def register_model(client: httpx.Client, connector_id: str, **overrides: Any) -> str:
    body = {"name": "embedder", "function_name": "remote", "connector_id": connector_id, **overrides}
    return str(ok(client.post("/_plugins/_ml/models/_register", json=body))["model_id"])
