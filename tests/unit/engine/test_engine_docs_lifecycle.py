"""The remote-model lifecycle from the OpenSearch docs, in-process, with the real executor over loopback."""

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from enginekit import SECRET, ok

from mlgitops.engine import LocalEngine
from mlgitops.engine.http.transport import EngineTransport
from serverkit import JSONHandler, loopback_server

pytest.importorskip("mlgitops.engine.executor")

BODY = '{ "input": ${parameters.input}, "model": "${parameters.model}" }'


class _FakeOpenAI(JSONHandler):
    seen: list[dict[str, object]] = []

    def on_post(self, body: Any) -> None:
        _FakeOpenAI.seen.append({"auth": self.headers.get("Authorization"), "body": body})
        if self.headers.get("Authorization") != f"Bearer {SECRET}":
            self.send_response(401)
            self.end_headers()
            return
        data = [
            {"object": "embedding", "index": i, "embedding": [0.5, float(i)]}
            for i, _ in enumerate(body["input"])
        ]
        self.send_json(200, {"object": "list", "data": data, "model": body["model"]})


@pytest.fixture
def fake_openai() -> Iterator[str]:
    with loopback_server(_FakeOpenAI) as url:
        yield url


def test_documented_lifecycle(tmp_path: Path, fake_openai: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MLGITOPS_MASTER_KEY", raising=False)
    with (
        LocalEngine(tmp_path) as engine,
        httpx.Client(transport=EngineTransport(engine), base_url="http://local-engine") as client,
    ):
        ok(
            client.put(
                "/_cluster/settings",
                json={
                    "persistent": {
                        "plugins.ml_commons.trusted_connector_endpoints_regex": [
                            r"^http://127\.0\.0\.1:\d+/.*$"
                        ],
                        "plugins.ml_commons.connector.private_ip_enabled": True,
                    }
                },
            )
        )
        group_id = ok(
            client.post(
                "/_plugins/_ml/model_groups/_register",
                json={"name": "remote_model_group", "description": "docs"},
            )
        )["model_group_id"]
        connector_id = ok(
            client.post(
                "/_plugins/_ml/connectors/_create",
                json={
                    "name": "OpenAI embedding",
                    "description": "docs",
                    "version": 1,
                    "protocol": "http",
                    "parameters": {"model": "text-embedding-ada-002"},
                    "credential": {"openAI_key": SECRET},
                    "actions": [
                        {
                            "action_type": "predict",
                            "method": "POST",
                            "url": f"{fake_openai}/v1/embeddings",
                            "headers": {"Authorization": "Bearer ${credential.openAI_key}"},
                            "request_body": BODY,
                            "pre_process_function": "connector.pre_process.openai.embedding",
                            "post_process_function": "connector.post_process.openai.embedding",
                        }
                    ],
                },
            )
        )["connector_id"]
        registered = ok(
            client.post(
                "/_plugins/_ml/models/_register",
                json={
                    "name": "openAI-embedding",
                    "function_name": "remote",
                    "model_group_id": group_id,
                    "description": "docs",
                    "connector_id": connector_id,
                },
            )
        )
        model_id = registered["model_id"]
        assert ok(client.get(f"/_plugins/_ml/tasks/{registered['task_id']}"))["state"] == "COMPLETED"
        deployed = ok(client.post(f"/_plugins/_ml/models/{model_id}/_deploy"))
        assert ok(client.get(f"/_plugins/_ml/tasks/{deployed['task_id']}"))["state"] == "CREATED"
        assert ok(client.get(f"/_plugins/_ml/tasks/{deployed['task_id']}"))["state"] == "COMPLETED"
        result = ok(
            client.post(
                f"/_plugins/_ml/_predict/text_embedding/{model_id}", json={"text_docs": ["hello", "world"]}
            )
        )
        outputs = result["inference_results"][0]["output"]
        assert [o["data"] for o in outputs] == [[0.5, 0.0], [0.5, 1.0]]
        assert _FakeOpenAI.seen[-1]["body"] == {
            "input": ["hello", "world"],
            "model": "text-embedding-ada-002",
        }
        assert SECRET not in json.dumps(result)
        ok(client.post(f"/_plugins/_ml/models/{model_id}/_undeploy"))
        ok(client.delete(f"/_plugins/_ml/models/{model_id}"))
        ok(client.delete(f"/_plugins/_ml/connectors/{connector_id}"))
        ok(client.delete(f"/_plugins/_ml/model_groups/{group_id}"))
        assert engine.info()["models"] == 0
        assert engine.info()["credentials"] == 0
