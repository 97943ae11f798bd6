"""Scenario steps: interface presets at register, schema checks at predict, interface merge on update."""

import json
from typing import Any

from differential.bodies import TITAN_PAINLESS_POST, TITAN_PAINLESS_PRE, bedrock_connector, remote_model
from differential.cases_models import is_deployed
from differential.cases_resources import ML
from differential.scenario import Step

TITAN = "amazon.titan-embed-text-v1"
ANY_OUTPUT = json.dumps({"type": "object", "properties": {"inference_results": {"type": "array"}}})


def _titan(tag: str, **process: Any) -> list[Step]:
    """Create a Titan connector and register, get and deploy a model on it."""
    return [
        Step(
            f"connector_create_titan_{tag}",
            "POST",
            f"{ML}/connectors/_create",
            {**bedrock_connector(TITAN, **process), "name": f"diff-titan-{tag}"},
            capture={f"conn_titan_{tag}": "connector_id"},
        ),
        Step(
            f"model_register_titan_{tag}",
            "POST",
            f"{ML}/models/_register",
            remote_model(f"diff-titan-{tag}", f"<<conn_titan_{tag}>>"),
            capture={f"model_titan_{tag}": "model_id"},
        ),
        Step(f"model_get_titan_{tag}", "GET", f"{ML}/models/<<model_titan_{tag}>>"),
        Step(
            f"model_deploy_titan_{tag}", "POST", f"{ML}/models/<<model_titan_{tag}>>/_deploy", recorded=False
        ),
        Step(
            f"model_get_titan_{tag}_deployed",
            "GET",
            f"{ML}/models/<<model_titan_{tag}>>",
            poll=is_deployed,
            recorded=False,
        ),
    ]


def _predict(name: str, model: str, body: dict[str, Any], algorithm: str | None = None) -> Step:
    path = f"{ML}/_predict/{algorithm}/<<{model}>>" if algorithm else f"{ML}/models/<<{model}>>/_predict"
    return Step(name, "POST", path, body)


BUILTIN = {
    "pre": "connector.pre_process.bedrock.embedding",
    "post": "connector.post_process.bedrock.embedding",
}

TITAN_STEPS = [
    *_titan("builtin", **BUILTIN),
    _predict("predict_titan_builtin_params", "model_titan_builtin", {"parameters": {"inputText": "hello"}}),
    _predict("predict_titan_builtin_texts", "model_titan_builtin", {"parameters": {"texts": ["hello"]}}),
    _predict("predict_titan_builtin_docs", "model_titan_builtin", {"text_docs": ["hello"]}, "text_embedding"),
    *_titan("painless", pre=TITAN_PAINLESS_PRE, post=TITAN_PAINLESS_POST),
    _predict(
        "predict_titan_painless_docs", "model_titan_painless", {"text_docs": ["hello"]}, "text_embedding"
    ),
    *_titan("raw"),
    _predict("predict_titan_raw_params", "model_titan_raw", {"parameters": {"inputText": "hello"}}),
    Step(
        "model_register_titan_empty_interface",
        "POST",
        f"{ML}/models/_register",
        remote_model("diff-titan-empty-interface", "<<conn_titan_painless>>", interface={}),
        capture={"model_titan_empty": "model_id"},
    ),
    Step("model_get_titan_empty_interface", "GET", f"{ML}/models/<<model_titan_empty>>"),
    _predict(
        "predict_titan_empty_interface", "model_titan_empty", {"text_docs": ["hello"]}, "text_embedding"
    ),
    Step(
        "model_register_titan_output_only",
        "POST",
        f"{ML}/models/_register",
        remote_model("diff-titan-output-only", "<<conn_titan_painless>>", interface={"output": ANY_OUTPUT}),
        capture={"model_titan_output_only": "model_id"},
    ),
    Step("model_get_titan_output_only", "GET", f"{ML}/models/<<model_titan_output_only>>"),
    Step(
        "model_update_interface_output",
        "PUT",
        f"{ML}/models/<<model_titan_painless>>",
        {"interface": {"output": ANY_OUTPUT}},
    ),
    Step("model_get_interface_merged", "GET", f"{ML}/models/<<model_titan_painless>>"),
    _predict(
        "predict_titan_painless_fixed", "model_titan_painless", {"text_docs": ["hello"]}, "text_embedding"
    ),
    Step(
        "model_update_interface_empty",
        "PUT",
        f"{ML}/models/<<model_titan_raw>>",
        {"interface": {}},
    ),
    Step("model_get_interface_after_empty", "GET", f"{ML}/models/<<model_titan_raw>>"),
]

_INLINE_PRESETS: list[tuple[str, dict[str, Any]]] = [
    (
        "cohere_english",
        bedrock_connector("cohere.embed-english-v3", post="connector.post_process.cohere.embedding"),
    ),
    ("cohere_english_raw", bedrock_connector("cohere.embed-english-v3")),
    (
        "cohere_multilingual",
        bedrock_connector("cohere.embed-multilingual-v3", post="CONNECTOR.POST_PROCESS.COHERE.EMBEDDING"),
    ),
    ("ai21", bedrock_connector("ai21.j2-mid-v1", post="connector.post_process.default.embedding")),
    ("ai21_raw", bedrock_connector("ai21.j2-mid-v1")),
    ("claude_v2", bedrock_connector("anthropic.claude-v2")),
    ("claude_v3_sonnet", bedrock_connector("anthropic.claude-3-sonnet-20240229-v1:0")),
    (
        "titan_image",
        bedrock_connector("amazon.titan-embed-image-v1", post="connector.post_process.bedrock.embedding"),
    ),
    ("titan_image_raw", bedrock_connector("amazon.titan-embed-image-v1")),
    ("titan_text_other_post", bedrock_connector(TITAN, post="connector.post_process.cohere.embedding")),
    (
        "comprehend",
        bedrock_connector("x", service="comprehend", extra={"api_name": "DetectDominantLanguage"}),
    ),
    (
        "comprehend_entities",
        bedrock_connector("x", service="comprehend", extra={"api_name": "DetectEntities"}),
    ),
    ("textract", bedrock_connector("x", service="textract")),
    ("bedrock_other_model", bedrock_connector("meta.llama3-8b-instruct-v1:0")),
]


def _inline_preset(tag: str, connector: dict[str, Any]) -> list[Step]:
    return [
        Step(
            f"model_register_preset_{tag}",
            "POST",
            f"{ML}/models/_register",
            {
                "name": f"diff-preset-{tag}",
                "function_name": "remote",
                "model_group_id": "<<group_a>>",
                "connector": connector,
            },
            capture={f"model_preset_{tag}": "model_id"},
        ),
        Step(f"model_get_preset_{tag}", "GET", f"{ML}/models/<<model_preset_{tag}>>"),
    ]


PRESET_STEPS = [step for tag, connector in _INLINE_PRESETS for step in _inline_preset(tag, connector)]
