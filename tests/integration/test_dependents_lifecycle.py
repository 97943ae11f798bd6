"""Pipelines and agents through reconcile: create, update in place, replace, keep, prune, adopt.

Runs on the embedded engine over HTTP and on the session's real OpenSearch 2.19 + ML Commons node
(see ``targetkit``).
"""

# mypy: allow-untyped-defs, allow-untyped-calls

import os
import time
from pathlib import Path

import httpx
import pytest

from manifestkit import trusted_loopback
from mlgitops.cli.main import main
from targetkit import target_client, target_url_fixture  # noqa: F401 - the target_url fixture

BASE = (
    trusted_loopback()
    + """\
---
apiVersion: mlgitops/v1
kind: ModelGroup
metadata: {name: RUN}
spec: {}
---
apiVersion: mlgitops/v1
kind: Connector
metadata: {name: RUN}
spec:
  version: "1"
  protocol: http
  credential: {key: {env: LIFECYCLE_KEY}}
  actions:
    - {action_type: predict, method: POST, url: "http://127.0.0.1:9/v1", request_body: "{}"}
---
apiVersion: mlgitops/v1
kind: Model
metadata: {name: RUN}
spec: {function_name: remote, model_group: RUN, connector: RUN, deployed: DEPLOYED}
"""
)
USERS = """\
---
apiVersion: mlgitops/v1
kind: IngestPipeline
metadata: {name: RUN-ingest}
spec:
  description: DESCRIPTION
  processors: [{ml_inference: {model_id: {model: RUN}, input_map: [{input: text}]}}]
---
apiVersion: mlgitops/v1
kind: SearchPipeline
metadata: {name: RUN-search}
spec:
  request_processors:
    - ml_inference: {model_id: {model: RUN}, input_map: [{input: q}], output_map: [{q: r}]}
---
apiVersion: mlgitops/v1
kind: Agent
metadata: {name: RUN}
spec:
  type: flow
  description: DESCRIPTION
  tools: [{type: MLModelTool, parameters: {model_id: {model: RUN}}}]
"""


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out + err


def agent_ids(client: httpx.Client, name: str) -> list[str]:
    response = client.post("/_plugins/_ml/agents/_search", json={"query": {"term": {"name.keyword": name}}})
    return sorted(hit["_id"] for hit in response.json()["hits"]["hits"])


def test_pipelines_and_agents_reconcile_like_the_other_kinds(target_url, tmp_path: Path, capsys, monkeypatch):
    monkeypatch.setenv("LIFECYCLE_KEY", "lifecycle-test-key")
    run = f"dep{os.getpid()}x{int(time.time()) % 100000}"
    manifest = tmp_path / "m.yaml"
    target = ["--target", target_url]

    def write(description: str, users: bool = True, deployed: str = "true") -> None:
        text = BASE.replace("DEPLOYED", deployed) + (
            USERS.replace("DESCRIPTION", description) if users else ""
        )
        manifest.write_text(text.replace("RUN", run))

    write("one", deployed="false")
    code, out = cli(capsys, "reconcile", str(manifest), *target)
    assert code == 1 and "has deployed: false" in out
    try:
        write("one")
        assert cli(capsys, "reconcile", str(manifest), *target)[0] == 0
        with target_client(target_url) as client:
            model_id = client.post(
                "/_plugins/_ml/models/_search", json={"query": {"term": {"name.keyword": run}}}
            ).json()["hits"]["hits"][0]["_id"]
            ingest = client.get(f"/_ingest/pipeline/{run}-ingest").json()[f"{run}-ingest"]
            assert ingest["processors"][0]["ml_inference"]["model_id"] == model_id
            search = client.get(f"/_search/pipeline/{run}-search").json()[f"{run}-search"]
            assert search["request_processors"][0]["ml_inference"]["model_id"] == model_id
            first_agent = agent_ids(client, run)
            assert len(first_agent) == 1
            assert cli(capsys, "plan", str(manifest), *target, "--detailed-exitcode")[0] == 0

            write("two")
            code, out = cli(capsys, "reconcile", str(manifest), *target)
            assert code == 0
            assert f"~ IngestPipeline/{run}-ingest (update)" in out and f"-/+ Agent/{run} (replace)" in out
            assert (
                client.get(f"/_ingest/pipeline/{run}-ingest").json()[f"{run}-ingest"]["description"] == "two"
            )
            second_agent = agent_ids(client, run)
            assert len(second_agent) == 1 and second_agent != first_agent
            assert cli(capsys, "plan", str(manifest), *target, "--detailed-exitcode")[0] == 0

            write("two", users=False)
            code, out = cli(capsys, "reconcile", str(manifest), *target)
            assert code == 0 and f"IngestPipeline/{run}-ingest is no longer in the manifests: kept" in out
            code, out = cli(capsys, "reconcile", str(manifest), *target, "--prune")
            assert code == 0 and f"- Agent/{run} (delete)" in out
            assert client.get(f"/_ingest/pipeline/{run}-ingest").status_code == 404
            assert client.get(f"/_search/pipeline/{run}-search").status_code == 404
            assert agent_ids(client, run) == []

            pipeline = {
                "processors": [{"ml_inference": {"model_id": model_id, "input_map": [{"input": "text"}]}}]
            }
            assert client.put(
                f"/_ingest/pipeline/{run}-ingest", json={"description": "two", **pipeline}
            ).is_success
            write("two")
            code, out = cli(capsys, "reconcile", str(manifest), *target)
            assert code == 1 and f"IngestPipeline/{run}-ingest (existing id {run}-ingest)" in out
            code, out = cli(capsys, "reconcile", str(manifest), *target, "--adopt")
            assert code == 0 and f"= IngestPipeline/{run}-ingest (adopt)" in out
            assert cli(capsys, "plan", str(manifest), *target, "--detailed-exitcode")[0] == 0
    finally:
        manifest.write_text(BASE.replace("RUN", run).split("\n---\n")[0])
        cli(capsys, "reconcile", str(manifest), *target, "--prune")
