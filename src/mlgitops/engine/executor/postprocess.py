"""Post-process (reference section 4.3): the 2.19 built-ins, response_filter, Painless, default wrapping."""

import json
from collections.abc import Callable, Mapping
from itertools import chain
from typing import Any

from mlgitops.engine.executor.javafmt import to_float32, to_float32_all
from mlgitops.engine.executor.jsonpath import PathNotFoundError, read_path
from mlgitops.engine.executor.painless import run_script
from mlgitops.errors import EngineError
from mlgitops.model.mlcommons import POST_PROCESS_PREFIX

RESPONSE_FILTER = "response_filter"
DATA_TYPES = (
    "FLOAT32",
    "FLOAT16",
    "FLOAT64",
    "INT32",
    "INT8",
    "UINT8",
    "INT64",
    "BOOLEAN",
    "BINARY",
    "UBINARY",
)

Tensor = dict[str, Any]


_NUMBER_TYPES = frozenset({int, float})


def _checked_vector(values: Any) -> list[Any]:
    """``values``, a non-empty list of numbers (plain ints and floats are recognised by type at once)."""
    if (
        not isinstance(values, list)
        or not values
        or not (_NUMBER_TYPES.issuperset(map(type, values)) or all(_is_number(v) for v in values))
    ):
        raise EngineError("The embedding should be a non-empty List containing Float values.")
    return values


def _tensor(data: list[Any], data_type: str) -> Tensor:
    return {"name": "sentence_embedding", "data_type": data_type, "shape": [len(data)], "data": data}


def _embedding_tensor(values: Any, data_type: str) -> Tensor:
    values = _checked_vector(values)
    data = to_float32_all(list(map(float, values))) if data_type == "FLOAT32" else list(values)
    return _tensor(data, data_type)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _embeddings(filtered: Any, data_type: str) -> list[Tensor]:
    if not isinstance(filtered, list):
        raise EngineError("Post process function input is not a List.")
    if data_type != "FLOAT32":
        return [_embedding_tensor(item, data_type) for item in filtered]
    vectors = [list(map(float, _checked_vector(item))) for item in filtered]
    rounded = to_float32_all(list(chain.from_iterable(vectors)))
    tensors, start = [], 0
    for vector in vectors:
        tensors.append(_tensor(rounded[start : start + len(vector)], data_type))
        start += len(vector)
    return tensors


def _single_embedding(filtered: Any, data_type: str) -> list[Tensor]:
    return [_embedding_tensor(filtered, data_type)]


def _rerank(score_key: str) -> Callable[[Any, str], list[Tensor]]:
    def build(filtered: Any, data_type: str) -> list[Tensor]:
        if not isinstance(filtered, list):
            raise EngineError("Post process function input is not a List.")
        scores: dict[int, Any] = {}
        for item in filtered:
            if not isinstance(item, dict) or "index" not in item or score_key not in item:
                raise EngineError("The rerank result should contain index and relevance_score.")
            scores[int(item["index"])] = item[score_key]
        return [
            {
                "name": "similarity",
                "data_type": data_type,
                "shape": [1],
                "data": [to_float32(float(scores[i]))],
            }
            for i in sorted(scores)
        ]

    return build


def _batch_job_arn(filtered: Any, _data_type: str) -> list[Tensor]:
    data = dict(filtered) if isinstance(filtered, dict) else {"response": filtered}
    arn = data.get("jobArn")
    if isinstance(arn, str):
        data["processedJobArn"] = arn.replace("/", "%2F")
    return [{"name": "response", "dataAsMap": data}]


BUILTINS: dict[str, tuple[str, Callable[[Any, str], list[Tensor]]]] = {
    POST_PROCESS_PREFIX + "openai.embedding": ("$.data[*].embedding", _embeddings),
    POST_PROCESS_PREFIX + "cohere.embedding": ("$.embeddings", _embeddings),
    POST_PROCESS_PREFIX + "default.embedding": ("$[*]", _embeddings),
    POST_PROCESS_PREFIX + "bedrock.embedding": ("$.embedding", _single_embedding),
    POST_PROCESS_PREFIX + "cohere.rerank": ("$.results", _rerank("relevance_score")),
    POST_PROCESS_PREFIX + "default.rerank": ("$.results", _rerank("relevance_score")),
    POST_PROCESS_PREFIX + "bedrock.rerank": ("$.results", _rerank("relevanceScore")),
    POST_PROCESS_PREFIX + "bedrock.batch_job_arn": ("$", _batch_job_arn),
}


def _split_data_type(path: str) -> tuple[str, str]:
    """``$.embedding.INT8`` → (``$.embedding``, ``INT8``); default FLOAT32."""
    head, _, tail = path.rpartition(".")
    return (head, tail) if head and tail in DATA_TYPES else (path, "FLOAT32")


def _parse(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text


def _as_doubles(value: Any) -> Any:
    """Numbers as ML Commons' Gson reads a raw answer into ``dataAsMap``: every one a double."""
    if isinstance(value, bool) or not isinstance(value, int | dict | list):
        return value
    if isinstance(value, int):
        return float(value)
    if isinstance(value, dict):
        return {key: _as_doubles(item) for key, item in value.items()}
    return [_as_doubles(item) for item in value]


def _wrap(value: Any) -> Tensor:
    if isinstance(value, dict):
        return {"name": "response", "dataAsMap": _as_doubles(value)}
    return {"name": "response", "dataAsMap": {"response": _as_doubles(value)}}


def _filtered(document: Any, response_filter: str | None) -> Any:
    if not response_filter or isinstance(document, str):
        return document
    try:
        return read_path(document, response_filter)
    except PathNotFoundError:
        return document


def _script_tensors(source: str, document: Any) -> list[Tensor] | None:
    params = document if isinstance(document, dict) else {"result": document}
    result = run_script(source, params)
    if result is None:
        return None
    parsed = _parse(str(result))
    if isinstance(parsed, dict):
        return [parsed]
    if isinstance(parsed, list) and all(isinstance(item, dict) for item in parsed):
        return list(parsed)
    return [_wrap(str(result))]


def postprocess(function: str | None, response_text: str, params: Mapping[str, str]) -> list[Tensor]:
    """The output tensors for one remote response."""
    response_filter = params.get(RESPONSE_FILTER) or None
    document = _parse(response_text)
    if function and function in BUILTINS:
        default_path, build = BUILTINS[function]
        path, data_type = _split_data_type(response_filter or default_path)
        try:
            filtered = read_path(document, path)
        except PathNotFoundError:
            raise EngineError("Post process function input is not a List.") from None
        return build(filtered, data_type)
    if function:
        tensors = _script_tensors(function, document)
        if tensors is not None:
            return tensors
    return [_wrap(_filtered(document, response_filter))]
