"""Model ``interface``: stored schemas, the 2.19 presets, merge on update, and the predict-time checks."""

import json
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any

import jsonschema

from mlgitops.engine.resources.connector_rules import stringify
from mlgitops.errors import EngineError
from mlgitops.model import presets

_INPUT_PREFIX = (
    "Error validating input schema, if you think this is expected, please update your 'input' field in "
    "the 'interface' field for this model: "
)
_OUTPUT_PREFIX = (
    "Error validating output schema, if you think this is expected, please update your 'output' field in "
    "the 'interface' field for this model: "
)
_JSON_TYPES = ((bool, "boolean"), (int, "integer"), (float, "number"), (str, "string"), (list, "array"))


def normalise(raw: Any) -> dict[str, str]:
    """Only ``input`` and ``output`` are kept, non-string values JSON-stringified (``{}`` stays ``{}``)."""
    if not isinstance(raw, Mapping):
        return {}
    return {key: stringify(raw[key]) for key in ("input", "output") if raw.get(key) is not None}


def at_register(body: Mapping[str, Any], connector: Mapping[str, Any] | None) -> dict[str, str] | None:
    """The interface a new model gets: its own (even ``{}``), else the connector's preset, else none."""
    if body.get("interface") is not None:
        return normalise(body["interface"])
    preset = presets.preset_for(connector)
    return None if preset is None else preset.interface()


def merged(current: Any, update: Any) -> dict[str, str]:
    """An update's interface merged into the stored one (a partial document update: keys replace keys)."""
    base = dict(current) if isinstance(current, Mapping) else {}
    return {**base, **normalise(update)}


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    for python_type, name in _JSON_TYPES:
        if isinstance(value, python_type):
            return name
    return "object"


def _location(path: Iterable[Any]) -> str:
    return "$" + "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in path)


def _message(error: jsonschema.ValidationError) -> str:
    where = _location(error.absolute_path)
    if error.validator == "required" and isinstance(error.instance, Mapping):
        wanted = error.validator_value if isinstance(error.validator_value, list) else []
        missing = [name for name in wanted if name not in error.instance]
        return f"{where}: required property '{missing[0] if missing else '?'}' not found"
    if error.validator == "type":
        return f"{where}: {_json_type(error.instance)} found, {error.validator_value} expected"
    return f"{where}: {error.message}"


@lru_cache(maxsize=256)
def _validator(schema_text: str) -> jsonschema.Draft202012Validator:
    """The validator of one stored schema (kept: a model's schema is checked on every predict)."""
    return jsonschema.Draft202012Validator(json.loads(schema_text))


def _validate(schema_text: str, instance: Any, prefix: str) -> None:
    try:
        validator = _validator(schema_text)
        errors = [_message(error) for error in validator.iter_errors(instance)]
    except (ValueError, jsonschema.SchemaError) as exc:
        raise EngineError(prefix + f"invalid schema: {exc}", 400, "status_exception") from None
    if errors:
        compact = json.dumps(instance, separators=(",", ":"), ensure_ascii=False)
        detail = (
            f"Validation failed: [{', '.join(errors)}] for instance: {compact} with schema: {schema_text}"
        )
        raise EngineError(prefix + detail, 400, "status_exception")


def _parsed_parameters(parameters: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in parameters.items():
        if isinstance(value, str) and value.strip()[:1] in ("{", "["):
            try:
                out[key] = json.loads(value)
                continue
            except ValueError:
                pass
        out[key] = value
    return out


def check_input(model: Mapping[str, Any], request: Mapping[str, Any]) -> None:
    """Validate a ``{"parameters": ...}`` predict request against ``interface.input`` (400)."""
    schema = (model.get("interface") or {}).get("input")
    if not schema or not isinstance(request.get("parameters"), Mapping):
        return
    instance = {
        "algorithm": "REMOTE",
        "parameters": _parsed_parameters(request["parameters"]),
        "action_type": "PREDICT",
    }
    _validate(str(schema), instance, _INPUT_PREFIX)


def check_output(model: Mapping[str, Any], output: Mapping[str, Any]) -> None:
    """Validate a predict answer against ``interface.output`` (400), as 2.19 does after every predict."""
    schema = (model.get("interface") or {}).get("output")
    if schema:
        _validate(str(schema), dict(output), _OUTPUT_PREFIX)
