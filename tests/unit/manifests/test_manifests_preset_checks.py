"""A Model whose connector gets a 2.19 interface preset its post-process cannot satisfy is warned about."""

import pytest
from manifest_helpers import Loader, messages

GROUP = "apiVersion: mlgitops/v1\nkind: ModelGroup\nmetadata:\n  name: g\nspec: {}\n"
CONNECTOR = """\
apiVersion: mlgitops/v1
kind: Connector
metadata:
  name: titan
spec:
  name: titan
  version: "1"
  protocol: aws_sigv4
  parameters: {region: us-east-1, service_name: bedrock, model: amazon.titan-embed-text-v1}
  credential: {access_key: {env: AWS_ACCESS_KEY_ID}, secret_key: {env: AWS_SECRET_ACCESS_KEY}}
  actions:
    - action_type: predict
      method: POST
      url: https://bedrock-runtime.us-east-1.amazonaws.com/model/amazon.titan-embed-text-v1/invoke
      request_body: '{ "inputText": "${parameters.inputText}" }'
"""
MODEL = (
    "apiVersion: mlgitops/v1\nkind: Model\nmetadata:\n  name: m\nspec:\n"
    "  function_name: remote\n  model_group: g\n  connector: titan\n"
)
CUSTOM = "      post_process_function: 'return params.embedding;'\n"


def _load(load_text: Loader, post: str, model_extra: str = "") -> list[str]:
    result = load_text("---\n".join([CONNECTOR + post, GROUP, MODEL + model_extra]))
    return [message for message in messages(result, "warning") if "preset" in message]


def test_a_custom_post_process_on_a_raw_preset_is_warned_at_the_model(load_text: Loader) -> None:
    text = "---\n".join([CONNECTOR + CUSTOM, GROUP, MODEL])
    (issue,) = [issue for issue in load_text(text).issues if "preset" in issue.message]
    assert (issue.severity, issue.json_path, issue.document) == ("warning", "spec.connector", 2)
    assert text.splitlines()[issue.line - 1].strip() == "connector: titan"
    assert "'Amazon Bedrock amazon.titan-embed-text-v1 (raw output)' interface preset" in issue.message
    assert "Declare `interface: {}`" in issue.message
    assert "post_process_function: connector.post_process.bedrock.embedding" in issue.message


@pytest.mark.parametrize(
    "post",
    [
        "",  # no post-process: the raw answer fits the raw preset
        "      post_process_function: connector.post_process.bedrock.embedding\n",
        "      post_process_function: CONNECTOR.POST_PROCESS.BEDROCK.EMBEDDING\n",
    ],
    ids=["raw", "builtin", "builtin-any-case"],
)
def test_a_fitting_post_process_is_not_warned(load_text: Loader, post: str) -> None:
    assert _load(load_text, post) == []


@pytest.mark.parametrize("interface", ["  interface: {}\n", "  interface: {output: '{}'}\n"])
def test_an_interface_switches_the_preset_off(load_text: Loader, interface: str) -> None:
    assert _load(load_text, CUSTOM, interface) == []
