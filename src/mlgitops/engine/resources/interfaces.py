"""Model ``interface`` fields: stringified input/output schemas and the presets ML Commons auto-fills."""

import json
from collections.abc import Mapping
from typing import Any

from mlgitops.engine.resources.connector_rules import stringify

# ML Commons fills these at register when the connector matches a preset (ModelInterfaceUtils). The
# schemas here are compact approximations of the upstream ones; reconcilers must ignore the field's
# presence either way (see reference section 1.3).
_TEXT_PARAMS = {"type": "object", "properties": {"parameters": {"type": "object"}}}
_EMBED_INPUT = {
    "type": "object",
    "properties": {"parameters": {"type": "object", "properties": {"texts": {"type": "array"}}}},
}
_OUTPUT = {"type": "object", "properties": {"inference_results": {"type": "array"}}}
_BEDROCK_MODELS = {
    "ai21.j2-mid-v1": _TEXT_PARAMS,
    "anthropic.claude-3-sonnet-20240229-v1:0": _TEXT_PARAMS,
    "anthropic.claude-v2": _TEXT_PARAMS,
    "cohere.embed-english-v3": _EMBED_INPUT,
    "cohere.embed-multilingual-v3": _EMBED_INPUT,
    "amazon.titan-embed-text-v1": _EMBED_INPUT,
    "amazon.titan-embed-image-v1": _EMBED_INPUT,
}


def normalise(raw: Any) -> dict[str, str]:
    """Only ``input`` and ``output`` are kept; non-string values are JSON-stringified."""
    if not isinstance(raw, Mapping):
        return {}
    return {key: stringify(raw[key]) for key in ("input", "output") if raw.get(key) is not None}


def _dump(schema: Mapping[str, Any]) -> str:
    return json.dumps(schema, separators=(",", ":"))


def preset(connector: Mapping[str, Any] | None) -> dict[str, str] | None:
    """The interface ML Commons would auto-fill for this connector, if any."""
    parameters = (connector or {}).get("parameters") or {}
    service = parameters.get("service_name")
    schema: Mapping[str, Any] | None = None
    if service == "bedrock":
        schema = _BEDROCK_MODELS.get(str(parameters.get("model")))
    elif (service == "comprehend" and parameters.get("api_name") == "DetectDominantLanguage") or (
        service == "textract"
    ):
        schema = _TEXT_PARAMS
    if schema is None:
        return None
    return {"input": _dump(schema), "output": _dump(_OUTPUT)}
