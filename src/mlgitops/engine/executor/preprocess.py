"""Pre-process functions (section 4.2): the 2.19 built-ins and Painless scripts, with doc chunking."""

import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from mlgitops.engine.executor.painless import run_script
from mlgitops.engine.executor.params import stringify_processed
from mlgitops.errors import EngineError
from mlgitops.model.mlcommons import PRE_PROCESS_PREFIX

DEFAULT_TEXT_DOCS_FUNCTION = PRE_PROCESS_PREFIX + "default.embedding"
STEP_SIZE_PARAM = "input_docs_processed_step_size"
PROCESS_REMOTE_INPUT_PARAM = "pre_process_function.process_remote_inference_input"
_ONE_DOC_PER_REQUEST = frozenset({PRE_PROCESS_PREFIX + "bedrock.embedding"})

Builtin = Callable[[list[str], str | None], dict[str, Any]]


def _embedding(docs: list[str], _query: str | None) -> dict[str, Any]:
    return {"input": docs}


def _cohere_embedding(docs: list[str], _query: str | None) -> dict[str, Any]:
    return {"texts": docs}


def _bedrock_embedding(docs: list[str], _query: str | None) -> dict[str, Any]:
    return {"inputText": docs[0]} if docs else {}


def _bedrock_multimodal(docs: list[str], _query: str | None) -> dict[str, Any]:
    if not docs:
        raise EngineError("No input text or image provided")
    out = {"inputText": docs[0]}
    if len(docs) > 1:
        out["inputImage"] = docs[1]
    return out


def _cohere_multimodal(docs: list[str], _query: str | None) -> dict[str, Any]:
    if not docs:
        raise EngineError("No image provided")
    return {"images": docs}


def _rerank(docs: list[str], query: str | None) -> dict[str, Any]:
    return {"query": query or "", "documents": docs, "top_n": len(docs)}


def _bedrock_rerank(docs: list[str], query: str | None) -> dict[str, Any]:
    return {
        "queries": [{"textQuery": {"text": query or ""}, "type": "TEXT"}],
        "sources": [
            {"inlineDocumentSource": {"textDocument": {"text": doc}, "type": "TEXT"}, "type": "INLINE"}
            for doc in docs
        ],
        "numberOfResults": len(docs),
    }


BUILTINS: dict[str, Builtin] = {
    PRE_PROCESS_PREFIX + "openai.embedding": _embedding,
    PRE_PROCESS_PREFIX + "default.embedding": _embedding,
    PRE_PROCESS_PREFIX + "cohere.embedding": _cohere_embedding,
    PRE_PROCESS_PREFIX + "bedrock.embedding": _bedrock_embedding,
    PRE_PROCESS_PREFIX + "bedrock.multimodal_embedding": _bedrock_multimodal,
    PRE_PROCESS_PREFIX + "cohere.multimodal_embedding": _cohere_multimodal,
    PRE_PROCESS_PREFIX + "cohere.rerank": _rerank,
    PRE_PROCESS_PREFIX + "default.rerank": _rerank,
    PRE_PROCESS_PREFIX + "bedrock.rerank": _bedrock_rerank,
}


def _script_parameters(source: str, script_params: Mapping[str, Any]) -> dict[str, str]:
    result = run_script(source, dict(script_params))
    text = str(result) if result is not None else ""
    try:
        parsed = json.loads(text)
    except ValueError:
        raise EngineError(f"Pre-process function output is not JSON: {text[:256]}") from None
    if not isinstance(parsed, dict) or not isinstance(parsed.get("parameters", {}), dict):
        raise EngineError("Pre-process function output must be a JSON object with a 'parameters' object")
    return stringify_processed(parsed.get("parameters", {}))


def _step_size(function: str, params: Mapping[str, str], doc_count: int) -> int:
    raw = params.get(STEP_SIZE_PARAM)
    if raw is not None:
        try:
            step = int(raw)
        except ValueError:
            step = 0
        if step <= 0:
            raise EngineError(f"Invalid parameter: {STEP_SIZE_PARAM}. It must be positive integer.")
        return step
    if function in _ONE_DOC_PER_REQUEST or function not in BUILTINS:
        return 1
    return max(doc_count, 1)


def preprocess_text_docs(
    function: str | None, docs: Sequence[str], query: str | None, params: Mapping[str, str]
) -> list[dict[str, str]]:
    """The processed parameters of each remote request for a ``text_docs`` input (one per chunk)."""
    name = function or DEFAULT_TEXT_DOCS_FUNCTION
    step = _step_size(name, params, len(docs))
    chunks = [list(docs[start : start + step]) for start in range(0, len(docs), step)] or [[]]
    if name in BUILTINS:
        return [stringify_processed(BUILTINS[name](chunk, query)) for chunk in chunks]
    script_input: dict[str, Any] = {"text_docs": [], "parameters": dict(params)}
    if query is not None:
        script_input["query_text"] = query
    return [_script_parameters(name, {**script_input, "text_docs": chunk}) for chunk in chunks]


def preprocess_parameters(
    function: str | None, request_params: Mapping[str, Any], params: Mapping[str, str]
) -> dict[str, str]:
    """Processed parameters for a ``parameters`` input: built-ins pass it through, scripts run if asked."""
    if not function or function in BUILTINS or params.get(PROCESS_REMOTE_INPUT_PARAM, "").lower() != "true":
        return {}
    return _script_parameters(function, {"parameters": dict(request_params)})
