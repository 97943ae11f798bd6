"""A connector change under models that a pipeline and an agent use: blue/green, zero failed calls.

While ``reconcile`` applies the change, one thread runs documents through an ``ml_inference`` ingest
pipeline (``_simulate``) and another executes a flow agent (MLModelTool), both against the loopback
stand-in model server. Every call must succeed: the plan creates and deploys new connectors and
models beside the old ones, moves the pipeline and the agent to them, and only then undeploys and
deletes the old ones.

Each model has its own group: ML Commons 2.19 can fail concurrent registrations into one group (a
version conflict on the group document), which is not what this test is about.

The backend is a parameter: ``engine`` serves the embedded engine over HTTP (``mlgitops engine
serve``); ``opensearch`` uses the session's real OpenSearch 2.19 + ML Commons node (``targetkit``).
"""

# mypy: allow-untyped-defs, allow-untyped-calls

import os
import threading
import time
from pathlib import Path

import httpx
import pytest

from manifestkit import trusted_loopback
from mlgitops.cli.main import main
from mlgitops.cli.wiring import open_backend
from mlgitops.standin.server import StandinServer
from targetkit import target_client, target_url_fixture  # noqa: F401 - the target_url fixture

KEY = "sk-bluegreen-test-7781"
MANIFESTS = (
    trusted_loopback("plugins.ml_commons.only_run_on_ml_node: false")
    + """\
---
apiVersion: mlgitops/v1
kind: ModelGroup
metadata: {name: RUN-embed}
spec: {description: blue/green test}
---
apiVersion: mlgitops/v1
kind: ModelGroup
metadata: {name: RUN-chat}
spec: {description: blue/green test}
---
apiVersion: mlgitops/v1
kind: Connector
metadata: {name: RUN-embed}
spec:
  version: "1"
  protocol: http
  parameters: {model: EMBEDDING_MODEL}
  credential: {openAI_key: {env: BLUEGREEN_KEY}}
  actions:
    - action_type: predict
      method: POST
      url: STANDIN/v1/embeddings
      headers: {Authorization: "Bearer ${credential.openAI_key}"}
      request_body: '{ "input": ["${parameters.input}"], "model": "${parameters.model}" }'
      post_process_function: connector.post_process.openai.embedding
---
apiVersion: mlgitops/v1
kind: Model
metadata: {name: RUN-embed}
spec: {function_name: remote, model_group: RUN-embed, connector: RUN-embed}
---
apiVersion: mlgitops/v1
kind: Connector
metadata: {name: RUN-chat}
spec:
  version: "1"
  protocol: http
  parameters: {model: CHAT_MODEL}
  credential: {openAI_key: {env: BLUEGREEN_KEY}}
  actions:
    - action_type: predict
      method: POST
      url: STANDIN/v1/chat/completions
      headers: {Authorization: "Bearer ${credential.openAI_key}"}
      request_body: '{ "model": "${parameters.model}", "messages": ${parameters.messages} }'
---
apiVersion: mlgitops/v1
kind: Model
metadata: {name: RUN-chat}
spec: {function_name: remote, model_group: RUN-chat, connector: RUN-chat}
---
apiVersion: mlgitops/v1
kind: IngestPipeline
metadata: {name: RUN-embed}
spec:
  processors:
    - ml_inference:
        model_id: {model: RUN-embed}
        input_map: [{input: text}]
        output_map: [{embedding: data}]
---
apiVersion: mlgitops/v1
kind: Agent
metadata: {name: RUN-chat}
spec:
  type: flow
  tools:
    - type: MLModelTool
      parameters:
        model_id: {model: RUN-chat}
        messages: '[{"role": "user", "content": "${parameters.question}"}]'
"""
)


class CallLoop:
    """Calls ``call()`` on a thread until stopped; counts successes and keeps the failures."""

    def __init__(self, name: str, call) -> None:
        self.call = call
        self.ok = 0
        self.failures: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                problem = self.call()
            except Exception as exc:
                problem = f"{type(exc).__name__}: {exc}"
            if problem:
                self.failures.append(problem)
            else:
                self.ok += 1

    def __enter__(self) -> "CallLoop":
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join(60)


def simulate_call(client: httpx.Client, pipeline: str):
    def call() -> str | None:
        docs = {"docs": [{"_source": {"text": "keep serving"}}]}
        response = client.post(f"/_ingest/pipeline/{pipeline}/_simulate", json=docs)
        if response.status_code != 200:
            return f"{response.status_code}: {response.text[:300]}"
        doc = response.json()["docs"][0]
        if "error" in doc or not doc["doc"]["_source"].get("embedding"):
            return str(doc)[:300]
        return None

    return call


def agent_call(backend, agent: str):
    def call() -> str | None:
        result = backend.execute_agent(agent, {"question": "still there?"})
        text = result["inference_results"][0]["output"][0]["result"]
        return None if "still there?" in text else f"unexpected answer: {text[:300]}"

    return call


def reconcile(project: Path, url: str, capsys: pytest.CaptureFixture[str]) -> str:
    code = main(["reconcile", str(project), "--target", url])
    out, err = capsys.readouterr()
    assert code == 0, out + err
    return out


def test_connector_change_keeps_pipeline_and_agent_serving(target_url, tmp_path, monkeypatch, capsys):
    run = f"bg{os.getpid()}x{int(time.time()) % 100000}"
    monkeypatch.setenv("BLUEGREEN_KEY", KEY)
    with StandinServer(api_keys={"openai": KEY}) as standin:
        manifest = tmp_path / "m.yaml"
        text = (
            MANIFESTS.replace("RUN", run).replace("STANDIN", standin.url).replace("CHAT_MODEL", "gpt-4o-mini")
        )
        manifest.write_text(text.replace("EMBEDDING_MODEL", "text-embedding-3-small"))
        reconcile(manifest, target_url, capsys)
        manifest.write_text(
            text.replace("EMBEDDING_MODEL", "text-embedding-3-large").replace("gpt-4o-mini", "gpt-4o")
        )
        with (
            target_client(target_url) as client,
            CallLoop("simulate", simulate_call(client, f"{run}-embed")) as ingest,
            open_backend(target_url) as backend,
            CallLoop("agent", agent_call(backend, f"{run}-chat")) as agent,
        ):
            time.sleep(0.5)
            before = (ingest.ok, agent.ok)
            out = reconcile(manifest, target_url, capsys)
            time.sleep(0.5)
        for step in (
            f"-/+ Connector/{run}-embed (replace)",
            f"-/+ Model/{run}-embed (replace)",
            f"~ IngestPipeline/{run}-embed (update)",
            f"-/+ Agent/{run}-chat (replace)",
            f"< Model/{run}-chat (undeploy)",
        ):
            assert step in out
        assert ingest.failures == [] and agent.failures == []
        assert ingest.ok > before[0] + 3 and agent.ok > before[1] + 3
        bodies = [request.body for request in standin.requests[-20:]]
        assert any(b"text-embedding-3-large" in body for body in bodies)
        assert any(b'"gpt-4o"' in body for body in bodies)
        assert main(["plan", str(manifest), "--target", target_url, "--detailed-exitcode"]) == 0
        manifest.write_text(text.split("\n---\n")[0])  # only the settings: prune the rest (a shared node)
        reconcile(manifest, target_url, capsys)
        assert main(["reconcile", str(manifest), "--target", target_url, "--prune"]) == 0
