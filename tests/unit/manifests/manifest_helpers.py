"""Shared text and helpers of the manifest tests."""

from collections.abc import Callable

from mlgitops.manifests import ManifestSet

CONNECTOR = """\
apiVersion: mlgitops/v1
kind: Connector
metadata:
  name: openai
spec:
  name: OpenAI
  version: "1"
  protocol: http
  parameters:
    model: gpt-4o-mini
  credential:
    key: {env: OPENAI_API_KEY}
  actions:
    - action_type: predict
      method: POST
      url: https://api.openai.com/v1/chat/completions
      headers:
        Authorization: Bearer ${credential.key}
      request_body: '{"model": "${parameters.model}"}'
"""

Loader = Callable[..., ManifestSet]


def messages(result: ManifestSet, severity: str = "error") -> list[str]:
    """The messages of one severity."""
    return [issue.message for issue in result.issues if issue.severity == severity]
