"""Predicts through the engine share one keep-alive connection pool, closed with the engine."""

from pathlib import Path

import httpx
import pytest

from mlgitops.engine import LocalEngine
from mlgitops.engine.transport import EngineTransport
from mlgitops.standin import DEMO_OPENAI_KEY, StandinServer


def _ok(response: httpx.Response) -> dict[str, object]:
    assert response.status_code == 200, response.text
    body: dict[str, object] = response.json()
    return body


def _deploy_embedding_model(http: httpx.Client, base: str) -> str:
    _ok(
        http.put(
            "/_cluster/settings",
            json={
                "persistent": {
                    "plugins.ml_commons.trusted_connector_endpoints_regex": [r"^http://127\.0\.0\.1:\d+/.*$"],
                    "plugins.ml_commons.connector.private_ip_enabled": True,
                }
            },
        )
    )
    connector = {
        "name": "openai embedding",
        "version": "1",
        "protocol": "http",
        "parameters": {"model": "text-embedding-ada-002"},
        "credential": {"openAI_key": DEMO_OPENAI_KEY},
        "actions": [
            {
                "action_type": "predict",
                "method": "POST",
                "url": f"{base}/v1/embeddings",
                "headers": {"Authorization": "Bearer ${credential.openAI_key}"},
                "request_body": '{ "input": ${parameters.input}, "model": "${parameters.model}" }',
                "pre_process_function": "connector.pre_process.openai.embedding",
                "post_process_function": "connector.post_process.openai.embedding",
            }
        ],
    }
    connector_id = _ok(http.post("/_plugins/_ml/connectors/_create", json=connector))["connector_id"]
    registered = _ok(
        http.post(
            "/_plugins/_ml/models/_register",
            params={"deploy": "true"},
            json={"name": "embed", "function_name": "remote", "connector_id": connector_id},
        )
    )
    return str(registered["model_id"])


def test_predicts_reuse_one_connection_and_close_releases_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MLGITOPS_MASTER_KEY", raising=False)
    with StandinServer() as standin:
        engine = LocalEngine(tmp_path / "engine")
        with httpx.Client(transport=EngineTransport(engine), base_url="http://local-engine") as http:
            model_id = _deploy_embedding_model(http, standin.url)
            for text in ("one", "two", "three"):
                _ok(
                    http.post(f"/_plugins/_ml/_predict/text_embedding/{model_id}", json={"text_docs": [text]})
                )
        pool = engine.lifecycle.http_client()
        engine.close()
        assert pool.is_closed
        ports = {request.client_port for request in standin.requests}
        assert len(standin.requests) == 3
        assert len(ports) == 1 and 0 not in ports
