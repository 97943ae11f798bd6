"""``mlgitops engine serve`` driven by opensearch-py's ``client.plugins.ml``: the documented lifecycle."""

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from serverkit import (
    JSONHandler,
    engine_token,
    loopback_server,
    served_fixture,  # noqa: F401 - the served fixture
)

opensearchpy = pytest.importorskip("opensearchpy")

SECRET = "sk-FACADE-SECRET-93b1"


class _FakeOpenAI(JSONHandler):
    def on_post(self, body: Any) -> None:
        ok = self.headers.get("Authorization") == f"Bearer {SECRET}"
        data = [{"index": i, "embedding": [1.0, float(i)]} for i, _ in enumerate(body["input"])]
        self.send_json(200 if ok else 401, {"data": data} if ok else {"error": "bad key"})


@pytest.fixture
def fake_openai() -> Iterator[str]:
    with loopback_server(_FakeOpenAI) as url:
        yield url


def test_lifecycle_with_opensearch_py(served: tuple[str, Path], fake_openai: str) -> None:
    url, directory = served
    client = opensearchpy.OpenSearch(
        hosts=[url], timeout=30, headers={"Authorization": f"Bearer {engine_token(directory)}"}
    )
    ml = client.plugins.ml
    assert client.info()["version"]["number"] == "2.19.0"
    client.cluster.put_settings(
        body={
            "persistent": {
                "plugins.ml_commons.trusted_connector_endpoints_regex": [r"^http://127\.0\.0\.1:\d+/.*$"],
                "plugins.ml_commons.connector.private_ip_enabled": True,
            }
        }
    )
    group_id = ml.register_model_group(body={"name": "facade_group", "description": "d"})["model_group_id"]
    connector_id = ml.create_connector(
        body={
            "name": "OpenAI",
            "description": "d",
            "version": "1",
            "protocol": "http",
            "parameters": {"model": "text-embedding-ada-002"},
            "credential": {"openAI_key": SECRET},
            "actions": [
                {
                    "action_type": "predict",
                    "method": "POST",
                    "url": f"{fake_openai}/v1/embeddings",
                    "headers": {"Authorization": "Bearer ${credential.openAI_key}"},
                    "request_body": '{ "input": ${parameters.input}, "model": "${parameters.model}" }',
                    "pre_process_function": "connector.pre_process.openai.embedding",
                    "post_process_function": "connector.post_process.openai.embedding",
                }
            ],
        }
    )["connector_id"]
    assert "credential" not in ml.get_connector(connector_id=connector_id)
    registered = ml.register_model(
        body={
            "name": "embedder",
            "function_name": "remote",
            "model_group_id": group_id,
            "connector_id": connector_id,
        }
    )
    assert ml.get_task(task_id=registered["task_id"])["state"] == "COMPLETED"
    model_id = registered["model_id"]
    deployed = ml.deploy_model(model_id=model_id)
    assert deployed["status"] == "COMPLETED"
    task = ml.get_task(task_id=deployed["task_id"])
    assert task["task_type"] == "DEPLOY_MODEL"
    assert task["state"] in ("CREATED", "RUNNING", "COMPLETED")
    result = ml.predict(algorithm_name="text_embedding", model_id=model_id, body={"text_docs": ["a", "b"]})
    assert [o["data"] for o in result["inference_results"][0]["output"]] == [[1.0, 0.0], [1.0, 1.0]]
    assert ml.get_task(task_id=deployed["task_id"])["state"] == "COMPLETED"
    with pytest.raises(opensearchpy.exceptions.RequestError) as refused:
        ml.delete_model(model_id=model_id)
    assert "Try undeploy model first" in str(refused.value.info)
    undeployed = ml.undeploy_model(model_id=model_id)
    assert next(iter(undeployed.values()))["stats"][model_id] == "undeployed"
    assert ml.delete_model(model_id=model_id)["result"] == "deleted"
    assert ml.delete_connector(connector_id=connector_id)["result"] == "deleted"
    assert ml.delete_model_group(model_group_id=group_id)["result"] == "deleted"
    with pytest.raises(opensearchpy.exceptions.NotFoundError):
        ml.get_model(model_id=model_id)
    client.close()
    files = [p for p in directory.rglob("*") if p.is_file()]
    assert files
    assert not any(SECRET.encode() in p.read_bytes() for p in files)


def test_non_loopback_host_is_refused(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mlgitops", "engine", "serve", "--dir", str(tmp_path), "--host", "0.0.0.0"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1
    assert "refusing to serve on non-loopback host '0.0.0.0'" in result.stderr
