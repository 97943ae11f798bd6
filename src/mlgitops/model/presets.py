"""The model interfaces ML Commons 2.19 attaches at register when a model has no ``interface``.

``TransportRegisterModelAction`` fills ``interface`` from the connector when the register body has
none (an explicit ``interface: {}`` switches this off): Amazon Bedrock models chosen by
``parameters.model``, Comprehend ``DetectDominantLanguage`` and Textract. For the embedding and
AI21 models the output schema depends on ``actions[0].post_process_function``: the processed shape
when it is the model's built-in (compared case-insensitively), the model's raw answer otherwise.
The schemas are stored as JSON text in the server's own layout, so GET shows them byte for byte.
"""

import json
from collections.abc import Mapping
from typing import Any, NamedTuple

Schema = dict[str, Any]

BEDROCK_EMBEDDING = "connector.post_process.bedrock.embedding"
COHERE_EMBEDDING = "connector.post_process.cohere.embedding"


def _t(name: str) -> Schema:
    return {"type": name}


def _obj(properties: Schema, required: list[str] | None = None) -> Schema:
    schema: Schema = {"type": "object", "properties": properties}
    if required is not None:
        schema["required"] = required
    return schema


def _arr(items: Schema) -> Schema:
    return {"type": "array", "items": items}


def _params(properties: Schema, required: list[str] | None, *, top_required: bool) -> Schema:
    return _obj({"parameters": _obj(properties, required)}, ["parameters"] if top_required else None)


def _results(item: Schema, *, strict: bool = True, status: str = "integer") -> Schema:
    result = _obj(
        {"output": _arr(item), "status_code": _t(status)}, ["output", "status_code"] if strict else None
    )
    return _obj({"inference_results": _arr(result)}, ["inference_results"] if strict else None)


def _tensor(data_as_map: Schema, *, strict: bool = True) -> Schema:
    return _obj({"name": _t("string"), "dataAsMap": data_as_map}, ["name", "dataAsMap"] if strict else None)


_TOKENS = _arr(
    _obj(
        {
            "generatedToken": _obj(
                {"token": _t("string"), "logprob": _t("number"), "raw_logprob": _t("number")}
            ),
            "textRange": _obj({"start": _t("number"), "end": _t("number")}),
        }
    )
)
_AI21_RAW = _obj(
    {
        "id": _t("number"),
        "prompt": _obj({"text": _t("string"), "tokens": _TOKENS}),
        "completions": _arr(
            _obj(
                {
                    "data": _obj({"text": _t("string"), "tokens": _TOKENS}),
                    "finishReason": _obj({"reason": _t("string"), "length": _t("number")}),
                }
            )
        ),
    }
)
_TEXTRACT = _obj(
    {
        "Blocks": _arr(
            _obj(
                {
                    "BlockType": _t("string"),
                    "Geometry": _obj(
                        {
                            "BoundingBox": _obj(
                                {n: _t("number") for n in ("Height", "Left", "Top", "Width")}
                            ),
                            "Polygon": _arr(_obj({"X": _t("number"), "Y": _t("number")})),
                        }
                    ),
                    "Id": _t("string"),
                    "Relationships": _arr(_obj({"Ids": _arr(_t("string")), "Type": _t("string")})),
                }
            )
        ),
        "DetectDocumentTextModelVersion": _t("string"),
        "DocumentMetadata": _obj({"Pages": _t("number")}),
    }
)
_CLAUDE_V2 = _obj(
    {n: _t("string") for n in ("type", "completion", "stop_reason", "stop")},
    ["type", "completion", "stop_reason", "stop"],
)
_COMPREHEND = _obj(
    {
        "response": _obj(
            {
                "Languages": _arr(
                    _obj({"LanguageCode": _t("string"), "Score": _t("number")}, ["LanguageCode", "Score"])
                )
            },
            ["Languages"],
        )
    },
    ["response"],
)
_EMBEDDING_TENSOR = _obj(
    {
        "name": _t("string"),
        "data_type": _t("string"),
        "shape": _arr(_t("integer")),
        "data": _arr(_t("number")),
    },
    ["name", "data_type", "shape", "data"],
)
_TITAN_RAW = _obj(
    {"embedding": _arr(_t("number")), "inputTextTokenCount": _t("integer")},
    ["embedding", "inputTextTokenCount"],
)
_COHERE_RAW = _obj(
    {
        "id": _t("string"),
        "texts": _arr(_t("string")),
        "embeddings": _arr(_arr(_t("number"))),
        "response_type": _t("string"),
    },
    ["id", "texts", "embeddings", "response_type"],
)


def render(schema: Any, indent: int = 4, *, inline_lists: bool = False, level: int = 0) -> str:
    """JSON text in the layout of the server's preset strings (``inline_lists``: ``["a", "b"]``)."""
    pad, end = " " * (indent * (level + 1)), " " * (indent * level)
    if isinstance(schema, Mapping) and schema:
        items = [
            f"{pad}{json.dumps(key)}: {render(value, indent, inline_lists=inline_lists, level=level + 1)}"
            for key, value in schema.items()
        ]
        return "{\n" + ",\n".join(items) + "\n" + end + "}"
    if isinstance(schema, list) and schema:
        if inline_lists and not any(isinstance(item, Mapping | list) for item in schema):
            return "[" + ", ".join(json.dumps(item) for item in schema) + "]"
        rendered = [pad + render(item, indent, inline_lists=inline_lists, level=level + 1) for item in schema]
        return "[\n" + ",\n".join(rendered) + "\n" + end + "]"
    return json.dumps(schema)


_CHAT_INPUT = render(_params({"inputs": _t("string")}, ["inputs"], top_required=True))
_EMBED_INPUT = render(_params({"texts": _arr(_t("string"))}, ["texts"], top_required=False))
_TITAN_INPUT = render(_params({"inputText": _t("string")}, ["inputText"], top_required=False))
_TITAN_IMAGE_INPUT = render(
    _params({"inputText": _t("string"), "inputImage": _t("string")}, None, top_required=False)
)
_CHAT_OUTPUT = render(_results(_tensor(_obj({"response": _t("string")}, ["response"]))))
_EMBED_OUTPUT = render(_results(_EMBEDDING_TENSOR))
_TITAN_RAW_OUTPUT = render(_results(_tensor(_TITAN_RAW)), 2, inline_lists=True)
_COHERE_RAW_OUTPUT = render(_results(_tensor(_COHERE_RAW)), 2, inline_lists=True)


class Preset(NamedTuple):
    """A preset interface: its name (for messages) and the ``input``/``output`` schema texts."""

    name: str
    input: str
    output: str

    def interface(self) -> dict[str, str]:
        """The ``interface`` map as the server stores it."""
        return {"input": self.input, "output": self.output}


_COMPREHEND_PRESET = Preset(
    "Amazon Comprehend DetectDominantLanguage",
    render(_params({"Text": _t("string")}, ["Text"], top_required=True)),
    render(_results(_tensor(_COMPREHEND))),
)
_TEXTRACT_PRESET = Preset(
    "Amazon Textract DetectDocumentText",
    render(_params({"bytes": _t("string")}, ["bytes"], top_required=True)),
    render(_results(_tensor(_TEXTRACT, strict=False), strict=False, status="number")),
)
_AI21 = "ai21.j2-mid-v1"
# model -> (input, processed output, raw output, the built-in post-process that selects "processed").
# ``None`` as the built-in: any non-blank post_process_function selects it; ``""``: always processed.
_BEDROCK: dict[str, tuple[str, str, str, str | None]] = {
    _AI21: (
        _CHAT_INPUT,
        _CHAT_OUTPUT,
        render(_results(_tensor(_AI21_RAW, strict=False), strict=False), 2),
        None,
    ),
    "anthropic.claude-3-sonnet-20240229-v1:0": (_CHAT_INPUT, _CHAT_OUTPUT, _CHAT_OUTPUT, ""),
    "anthropic.claude-v2": (_CHAT_INPUT, render(_results(_tensor(_CLAUDE_V2))), "", ""),
    "cohere.embed-english-v3": (_EMBED_INPUT, _EMBED_OUTPUT, _COHERE_RAW_OUTPUT, COHERE_EMBEDDING),
    "cohere.embed-multilingual-v3": (_EMBED_INPUT, _EMBED_OUTPUT, _COHERE_RAW_OUTPUT, COHERE_EMBEDDING),
    "amazon.titan-embed-text-v1": (_TITAN_INPUT, _EMBED_OUTPUT, _TITAN_RAW_OUTPUT, BEDROCK_EMBEDDING),
    "amazon.titan-embed-image-v1": (_TITAN_IMAGE_INPUT, _EMBED_OUTPUT, _TITAN_RAW_OUTPUT, BEDROCK_EMBEDDING),
}


def _is_processed(builtin: str | None, post_process: Any) -> bool:
    text = post_process if isinstance(post_process, str) else ""
    if builtin is None:
        return bool(text.strip())
    return builtin == "" or text.lower() == builtin


def preset_for(connector: Mapping[str, Any] | None) -> Preset | None:
    """The interface 2.19 attaches to a model registered on ``connector`` without an ``interface``."""
    parameters = (connector or {}).get("parameters")
    if not isinstance(parameters, Mapping):
        return None
    service = parameters.get("service_name")
    if service == "comprehend":
        return _COMPREHEND_PRESET if parameters.get("api_name") == "DetectDominantLanguage" else None
    if service == "textract":
        return _TEXTRACT_PRESET
    model = parameters.get("model")
    if service != "bedrock" or not isinstance(model, str) or model not in _BEDROCK:
        return None
    actions = (connector or {}).get("actions")
    first = actions[0] if isinstance(actions, list) and actions and isinstance(actions[0], Mapping) else {}
    schema_in, processed, raw, builtin = _BEDROCK[model]
    if _is_processed(builtin, first.get("post_process_function")):
        return Preset(f"Amazon Bedrock {model}", schema_in, processed)
    return Preset(f"Amazon Bedrock {model} (raw output)", schema_in, raw)


def builtin_post_process(connector: Mapping[str, Any] | None) -> str | None:
    """The built-in post-process whose output fits the processed preset of this connector's model."""
    parameters = (connector or {}).get("parameters")
    model = parameters.get("model") if isinstance(parameters, Mapping) else None
    entry = _BEDROCK.get(model) if isinstance(model, str) else None
    return entry[3] if entry is not None and entry[3] else None


def preset_conflict(connector: Mapping[str, Any] | None) -> str | None:
    """Why the preset 2.19 attaches would refuse every answer of this connector, or None when it fits.

    A custom (or another model's built-in) post-process selects the raw-answer preset, whose output
    schema requires ``dataAsMap`` with the provider's fields: a post-processed answer never has them.
    """
    preset = preset_for(connector)
    builtin = builtin_post_process(connector)
    if preset is None or builtin is None or preset.output not in (_TITAN_RAW_OUTPUT, _COHERE_RAW_OUTPUT):
        return None
    actions = (connector or {}).get("actions")
    first = actions[0] if isinstance(actions, list) and actions and isinstance(actions[0], Mapping) else {}
    post = first.get("post_process_function")
    if not isinstance(post, str) or not post.strip():
        return None
    return (
        f"ML Commons 2.19 attaches the '{preset.name}' interface preset to this model because its "
        f"connector's post_process_function is not the built-in {builtin}; that preset's output schema "
        "requires the raw answer under dataAsMap, so every predict fails with 'Error validating output "
        "schema'. Declare `interface: {}` on the model (no preset, no schema checks) or an interface "
        f"whose output matches the post-process, or use post_process_function: {builtin}"
    )
