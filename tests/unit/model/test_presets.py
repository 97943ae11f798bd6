"""The interface presets 2.19 attaches at register, chosen from the connector."""

import json
from typing import Any

import pytest

from mlgitops.model import presets


def connector(
    model: str | None, post: str | None = None, service: str = "bedrock", **extra: str
) -> dict[str, Any]:
    parameters = {"service_name": service, **extra}
    if model is not None:
        parameters["model"] = model
    action = (
        {"action_type": "predict"}
        if post is None
        else {"action_type": "predict", "post_process_function": post}
    )
    return {"parameters": parameters, "actions": [action]}


def _schema(text: str) -> Any:
    return json.loads(text)


def test_titan_with_its_builtin_gets_the_processed_embedding_schema_in_any_case() -> None:
    for post in ("connector.post_process.bedrock.embedding", "Connector.Post_Process.Bedrock.Embedding"):
        preset = presets.preset_for(connector("amazon.titan-embed-text-v1", post))
        assert preset is not None
        assert _schema(preset.input)["properties"]["parameters"]["required"] == ["inputText"]
        item = _schema(preset.output)["properties"]["inference_results"]["items"]
        assert item["properties"]["output"]["items"]["required"] == ["name", "data_type", "shape", "data"]
        assert preset.input.startswith('{\n    "type": "object",\n    "properties": {')


@pytest.mark.parametrize("post", [None, "", "connector.post_process.cohere.embedding", "return params;"])
def test_titan_without_its_builtin_gets_the_raw_answer_schema(post: str | None) -> None:
    preset = presets.preset_for(connector("amazon.titan-embed-text-v1", post))
    assert preset is not None and preset.name.endswith("(raw output)")
    assert '"required": ["embedding", "inputTextTokenCount"]' in preset.output  # the server's inline layout


def test_ai21_is_processed_with_any_post_process_and_claude_always() -> None:
    processed = presets.preset_for(connector("ai21.j2-mid-v1", "anything"))
    raw = presets.preset_for(connector("ai21.j2-mid-v1", "  "))
    assert processed is not None and raw is not None
    assert '"response"' in processed.output and '"completions"' in raw.output
    claude = presets.preset_for(connector("anthropic.claude-v2"))
    assert claude is not None and '"stop_reason"' in claude.output
    assert _schema(claude.input)["required"] == ["parameters"]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (connector(None, service="comprehend", api_name="DetectDominantLanguage"), "Comprehend"),
        (connector(None, service="comprehend", api_name="DetectEntities"), None),
        (connector(None, service="textract"), "Textract"),
        (connector("meta.llama3-8b-instruct-v1:0"), None),
        (connector("amazon.titan-embed-text-v1", service="sagemaker"), None),
        ({"actions": []}, None),
        (None, None),
    ],
)
def test_which_connectors_get_a_preset(body: dict[str, Any] | None, expected: str | None) -> None:
    preset = presets.preset_for(body)
    assert (preset and expected and expected in preset.name) or (preset is None and expected is None)


def test_only_a_post_process_that_cannot_fit_the_raw_preset_is_a_conflict() -> None:
    assert presets.preset_conflict(connector("amazon.titan-embed-text-v1", "return params;")) is not None
    assert presets.preset_conflict(connector("cohere.embed-english-v3", "return params;")) is not None
    assert presets.preset_conflict(connector("amazon.titan-embed-text-v1")) is None
    assert presets.preset_conflict(connector("amazon.titan-embed-text-v1", presets.BEDROCK_EMBEDDING)) is None
    assert presets.preset_conflict(connector("ai21.j2-mid-v1", "return params;")) is None


def test_render_keeps_the_servers_layout() -> None:
    assert (
        presets.render({"a": [1, {"b": []}]}, 2) == '{\n  "a": [\n    1,\n    {\n      "b": []\n    }\n  ]\n}'
    )
    assert presets.render({"r": ["x", "y"]}, 2, inline_lists=True) == '{\n  "r": ["x", "y"]\n}'
