"""The ``ml_inference`` ingest processor, as ML Commons 2.19 runs it for a remote model.

Input: each ``input_map`` entry (model field -> document field; a dotted path, else a JSONPath
``$...``) becomes a model parameter, a string as is and anything else as compact JSON; without an
``input_map`` every document field is one. ``model_config`` values join the parameters. The request
is ``model_input`` (default ``{ "parameters": ${ml_inference.parameters} }``) with
``${model_config.x}``, ``${input_map.x}`` and ``${ml_inference.parameters}`` filled in.
Output: each ``output_map`` entry (document field -> model field) reads the model output: with
``full_response_path`` a JSONPath over the whole response; otherwise from the first output's tensors
(one tensor: ``dataAsMap``'s key or a JSONPath in it, or the tensor's ``data``; several: one value
each). Without an ``output_map`` the whole result goes to ``inference_results``. A mapping whose
document field exists already is skipped unless ``override``. Only one-level ``input_map``/
``output_map`` lists on plain (non-array) document paths are supported; anything else is refused
with a clear error.
"""

import json
from collections.abc import Callable, Mapping
from typing import Any

from mlgitops.engine.executor.jsonpath import PathNotFoundError, read_path
from mlgitops.errors import EngineError
from mlgitops.model.templates import substitute

DEFAULT_MODEL_INPUT = '{ "parameters": ${ml_inference.parameters} }'
DEFAULT_OUTPUT_FIELD = "inference_results"
_MISSING = object()

Predict = Callable[[str, Mapping[str, Any]], Mapping[str, Any]]


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def get_field(source: Mapping[str, Any], path: str) -> Any:
    """A dotted field of a document (``_MISSING`` when absent)."""
    current: Any = source
    for part in path.split("."):
        if not isinstance(current, Mapping) or part not in current:
            return _MISSING
        current = current[part]
    return current


def set_field(source: dict[str, Any], path: str, value: Any) -> None:
    """Set a dotted field, creating objects on the way."""
    parts = path.split(".")
    current = source
    for part in parts[:-1]:
        child = current.get(part)
        if not isinstance(child, dict):
            if child is not None:
                raise EngineError(
                    f"cannot set [{path}]: [{part}] is not an object", 400, "illegal_argument_exception"
                )
            child = current[part] = {}
        current = child
    current[parts[-1]] = value


def _input_value(source: Mapping[str, Any], field: str, ignore_missing: bool) -> Any:
    value = get_field(source, field)
    if value is _MISSING and field.startswith("$"):
        try:
            value = read_path(source, field)
        except PathNotFoundError:
            value = _MISSING
        if value == []:
            value = _MISSING
    if value is _MISSING and not ignore_missing:
        raise EngineError(
            f"Cannot find field name defined from input map: {field}", 400, "illegal_argument_exception"
        )
    return value


def _maps(config: Mapping[str, Any], name: str) -> list[Mapping[str, Any]] | None:
    maps = config.get(name)
    if maps is None:
        return None
    if not isinstance(maps, list) or not all(isinstance(item, Mapping) for item in maps):
        raise EngineError(f"[{name}] must be a list of objects", 400, "parse_exception")
    return maps


def run_ml_inference(config: Mapping[str, Any], source: dict[str, Any], predict: Predict) -> None:
    """Run one ``ml_inference`` processor on ``source`` (changed in place)."""
    if str(config.get("function_name", "remote")).lower() != "remote":
        raise EngineError("the mlgitops engine runs ml_inference with remote models only")
    inputs, outputs = _maps(config, "input_map"), _maps(config, "output_map")
    rounds = max(len(inputs or []), 1)
    for index in range(rounds):
        _one_round(
            config, source, predict, inputs[index] if inputs else None, outputs[index] if outputs else None
        )


def _one_round(
    config: Mapping[str, Any],
    source: dict[str, Any],
    predict: Predict,
    input_map: Mapping[str, Any] | None,
    output_map: Mapping[str, Any] | None,
) -> None:
    ignore_missing = bool(config.get("ignore_missing", False))
    if output_map is not None and not config.get("override", False):
        output_map = {doc: out for doc, out in output_map.items() if get_field(source, str(doc)) is _MISSING}
        if not output_map:
            return
    model_config = {str(k): _text(v) for k, v in (config.get("model_config") or {}).items()}
    parameters = dict(model_config)
    mapped: dict[str, str] = {}
    pairs = input_map.items() if input_map is not None else ((k, k) for k in source)
    for model_field, doc_field in pairs:
        value = _input_value(source, str(doc_field), ignore_missing)
        if value is not _MISSING:
            parameters[str(model_field)] = mapped[str(model_field)] = _text(value)
    payload = str(config.get("model_input") or DEFAULT_MODEL_INPUT)
    payload = substitute(payload, "model_config", model_config)
    payload = substitute(payload, "input_map", mapped)
    payload = substitute(payload, "ml_inference", {"parameters": json.dumps(parameters, ensure_ascii=False)})
    try:
        request = json.loads(payload)
    except ValueError:
        raise EngineError(f"Invalid payload: {payload}", 400, "illegal_argument_exception") from None
    output = predict(str(config["model_id"]), request)
    full = bool(config.get("full_response_path", False))
    if output_map is None:
        source[DEFAULT_OUTPUT_FIELD] = output_value(output, None, ignore_missing, full)
        return
    for doc_field, model_field in output_map.items():
        set_field(source, str(doc_field), output_value(output, str(model_field), ignore_missing, full))


def output_value(output: Mapping[str, Any], field: str | None, ignore_missing: bool, full: bool) -> Any:
    """What ``field`` of a model's predict response is, per ML Commons' ``getModelOutputValue``."""
    if full:
        if field is None:
            return dict(output)
        return _lookup(output, field, ignore_missing, "model inference output cannot find such json path")
    try:
        tensors = output["inference_results"][0]["output"]
    except (KeyError, IndexError, TypeError):
        raise EngineError("Model outputs are null or empty.", 500, "runtime_exception") from None
    if not isinstance(tensors, list) or not tensors:
        raise EngineError("Output tensors are null or empty.", 500, "runtime_exception")
    values = [_tensor_value(tensor, field, ignore_missing) for tensor in tensors]
    return values[0] if len(values) == 1 else values


def _tensor_value(tensor: Mapping[str, Any], field: str | None, ignore_missing: bool) -> Any:
    data = tensor.get("dataAsMap")
    if isinstance(data, Mapping):
        if field is None:
            return dict(data)
        if field in data:
            return data[field]
        return _lookup(data, field, ignore_missing, "model inference output cannot find field name")
    return tensor.get("data")


def _lookup(document: Mapping[str, Any], field: str, ignore_missing: bool, message: str) -> Any:
    try:
        path = field if field.startswith("$") else f"$.{field}"
        return read_path(document, path)
    except (PathNotFoundError, EngineError):
        if ignore_missing:
            return dict(document)
        raise EngineError(f"{message}: {field}", 400, "illegal_argument_exception") from None
