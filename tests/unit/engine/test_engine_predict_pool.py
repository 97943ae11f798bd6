"""Predicts through the engine share one keep-alive connection pool, closed with the engine."""

from pathlib import Path

import httpx
import pytest
from enginekit import connector_body, create_connector, ok, register_model

from mlgitops.engine import LocalEngine
from mlgitops.engine.http.transport import EngineTransport
from mlgitops.standin import DEMO_OPENAI_KEY, StandinServer

LOOPBACK_SETTINGS = {
    "plugins.ml_commons.trusted_connector_endpoints_regex": [r"^http://127\.0\.0\.1:\d+/.*$"],
    "plugins.ml_commons.connector.private_ip_enabled": True,
}


def _deploy_embedding_model(http: httpx.Client, base: str) -> str:
    ok(http.put("/_cluster/settings", json={"persistent": LOOPBACK_SETTINGS}))
    action = {**connector_body()["actions"][0], "url": f"{base}/v1/embeddings"}
    connector_id = create_connector(http, credential={"openAI_key": DEMO_OPENAI_KEY}, actions=[action])
    model_id = register_model(http, connector_id)
    ok(http.post(f"/_plugins/_ml/models/{model_id}/_deploy"))
    return model_id


def test_predicts_reuse_one_connection_and_close_releases_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MLGITOPS_MASTER_KEY", raising=False)
    with StandinServer() as standin:
        engine = LocalEngine(tmp_path / "engine")
        with httpx.Client(transport=EngineTransport(engine), base_url="http://local-engine") as http:
            model_id = _deploy_embedding_model(http, standin.url)
            for text in ("one", "two", "three"):
                ok(http.post(f"/_plugins/_ml/_predict/text_embedding/{model_id}", json={"text_docs": [text]}))
        pool = engine.lifecycle.remote_pools()
        engine.close()
        assert pool.is_closed
        ports = {request.client_port for request in standin.requests}
        assert len(standin.requests) == 3
        assert len(ports) == 1 and 0 not in ports
