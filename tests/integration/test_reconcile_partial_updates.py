"""Changes a partial model update cannot make directly still converge in one reconcile.

ML Commons merges ``rate_limiter`` and ``interface`` into the stored model: removing the limiter and
setting only ``interface.output`` on a model that got a preset never converged. The same steps run
against the embedded engine and the session's real node (``opensearch_node``).
"""

import json
import uuid
from pathlib import Path

import pytest

from clikit import run

# A real node to compare with live (the scenario wipes its ML Commons resources first).
OUTPUT = json.dumps({"type": "object", "properties": {"inference_results": {"type": "array"}}})
CONNECTOR = """\
apiVersion: mlgitops/v1
kind: Connector
metadata: {{name: titan-{tag}}}
spec:
  version: "1"
  protocol: aws_sigv4
  parameters:
    region: us-east-1
    service_name: bedrock
    model: amazon.titan-embed-text-v1
  credential: {{access_key: {{env: AWS_ACCESS_KEY_ID}}, secret_key: {{env: AWS_SECRET_ACCESS_KEY}}}}
  actions:
    - action_type: predict
      method: POST
      url: https://bedrock-runtime.us-east-1.amazonaws.com/model/amazon.titan-embed-text-v1/invoke
      headers: {{content-type: application/json}}
      request_body: '{{ "inputText": "${{parameters.inputText}}" }}'
      post_process_function: connector.post_process.bedrock.embedding
---
apiVersion: mlgitops/v1
kind: ModelGroup
metadata: {{name: partial-{tag}}}
spec: {{description: partial updates}}
---
apiVersion: mlgitops/v1
kind: Model
metadata: {{name: titan-{tag}}}
spec:
  function_name: remote
  model_group: partial-{tag}
  connector: titan-{tag}
  deployed: false
"""


@pytest.fixture(params=["engine", pytest.param("real", marks=pytest.mark.opensearch)])
def target(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "real":
        node = request.getfixturevalue("opensearch_node")
        node.reset()
        return str(node.url)
    return f"local:{tmp_path / 'engine'}"


def _converges(capsys: pytest.CaptureFixture[str], manifest: Path, target: str) -> str:
    code, out, err = run(capsys, "reconcile", str(manifest), "--target", target)
    assert code == 0, out + err
    code, out, err = run(capsys, "plan", str(manifest), "--target", target, "--detailed-exitcode")
    assert code == 0, out + err
    return out


def test_removing_a_rate_limiter_and_setting_only_the_output_schema_converge(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, target: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIADEMOEXAMPLEKEY01")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "demo-aws-secret-key")
    tag = uuid.uuid4().hex[:8]
    manifest = tmp_path / "models.yaml"
    base = CONNECTOR.format(tag=tag)
    manifest.write_text(base + '  rate_limiter: {limit: "4", unit: MINUTES}\n')
    _converges(capsys, manifest, target)  # registered without interface: the Titan preset is attached
    manifest.write_text(base + f"  interface: {{output: '{OUTPUT}'}}\n")
    code, out, _ = run(capsys, "plan", str(manifest), "--target", target)
    assert code == 0
    assert "rate_limiter" in out and "interface" in out
    _converges(capsys, manifest, target)
