"""Deterministic answers in the shapes of OpenAI, Cohere, Bedrock (Titan, Claude, Cohere) and SageMaker."""

import hashlib
from typing import Any

FIXED_CREATED = 1_700_000_000


def embed(text: str, dimension: int) -> list[float]:
    """A deterministic embedding of ``text``: hash-derived values in [-1, 1) with 4 decimals."""
    values: list[float] = []
    counter = 0
    while len(values) < dimension:
        digest = hashlib.sha256(f"{counter}:{text}".encode()).digest()
        values.extend(round(int.from_bytes(digest[i : i + 4], "big") / 2**31 - 1, 4) for i in range(0, 32, 4))
        counter += 1
    return values[:dimension]


def count_tokens(text: str) -> int:
    """A crude token count: whitespace-separated words."""
    return len(text.split())


def reply_to(prompt: str) -> str:
    """The stand-in's chat answer."""
    return f"Stand-in reply to: {prompt}"


def _text_of(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(str(part.get("text", "")) for part in content if isinstance(part, dict))
    return ""


def last_user_text(messages: Any) -> str:
    """The text of the last ``user`` message of an OpenAI/Anthropic ``messages`` list."""
    if not isinstance(messages, list):
        raise ValueError("'messages' must be a list")
    for message in reversed(messages):
        if isinstance(message, dict) and message.get("role") == "user":
            return _text_of(message.get("content"))
    raise ValueError("'messages' has no user message")


def _texts(value: Any, field: str) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return list(value)
    raise ValueError(f"'{field}' must be a string or a list of strings")


def openai_chat(body: dict[str, Any]) -> dict[str, Any]:
    """``POST /v1/chat/completions``."""
    prompt = last_user_text(body.get("messages"))
    answer = reply_to(prompt)
    usage = {"prompt_tokens": count_tokens(prompt), "completion_tokens": count_tokens(answer)}
    return {
        "id": "chatcmpl-standin-" + hashlib.sha256(prompt.encode()).hexdigest()[:12],
        "object": "chat.completion",
        "created": FIXED_CREATED,
        "model": body.get("model", "gpt-3.5-turbo"),
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": answer},
                "logprobs": None,
                "finish_reason": "stop",
            }
        ],
        "usage": {**usage, "total_tokens": sum(usage.values())},
    }


def openai_embeddings(body: dict[str, Any], dimension: int) -> dict[str, Any]:
    """``POST /v1/embeddings``."""
    texts = _texts(body.get("input"), "input")
    tokens = sum(count_tokens(text) for text in texts)
    return {
        "object": "list",
        "data": [
            {"object": "embedding", "index": i, "embedding": embed(t, dimension)} for i, t in enumerate(texts)
        ],
        "model": body.get("model", "text-embedding-ada-002"),
        "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
    }


def cohere_embed(body: dict[str, Any], dimension: int) -> dict[str, Any]:
    """``POST /v1/embed`` (also Bedrock's Cohere embed models)."""
    texts = _texts(body.get("texts"), "texts")
    return {
        "id": "standin-" + hashlib.sha256("\n".join(texts).encode()).hexdigest()[:12],
        "texts": texts,
        "embeddings": [embed(text, dimension) for text in texts],
        "response_type": "embeddings_floats",
        "meta": {"api_version": {"version": "1"}},
    }


def cohere_chat(body: dict[str, Any]) -> dict[str, Any]:
    """``POST /v1/chat`` (Cohere v1)."""
    message = body.get("message")
    if not isinstance(message, str):
        raise ValueError("'message' must be a string")
    return {
        "response_id": "standin",
        "text": reply_to(message),
        "generation_id": "standin",
        "finish_reason": "COMPLETE",
    }


def cohere_rerank(body: dict[str, Any], dimension: int) -> dict[str, Any]:
    """``POST /v1/rerank``: documents scored by a hash of (query, document), best first."""
    query = body.get("query")
    if not isinstance(query, str):
        raise ValueError("'query' must be a string")
    documents = _texts(body.get("documents"), "documents")
    scored = [
        (i, round((embed(query + "\n" + doc, dimension)[0] + 1) / 2, 4)) for i, doc in enumerate(documents)
    ]
    scored.sort(key=lambda pair: pair[1], reverse=True)
    top_n = int(body.get("top_n") or len(scored))
    return {"id": "standin", "results": [{"index": i, "relevance_score": s} for i, s in scored[:top_n]]}


def bedrock_invoke(model: str, body: dict[str, Any], dimension: int) -> dict[str, Any]:
    """``POST /model/{model}/invoke``: Titan embeddings, Anthropic messages, or Cohere embed."""
    if "inputText" in body:
        text = body["inputText"]
        if not isinstance(text, str):
            raise ValueError("inputText must be a string")
        return {"embedding": embed(text, dimension), "inputTextTokenCount": count_tokens(text)}
    if "messages" in body and "anthropic_version" in body:
        prompt = last_user_text(body["messages"])
        answer = reply_to(prompt)
        return {
            "id": "msg_standin",
            "type": "message",
            "role": "assistant",
            "model": model,
            "content": [{"type": "text", "text": answer}],
            "stop_reason": "end_turn",
            "stop_sequence": None,
            "usage": {"input_tokens": count_tokens(prompt), "output_tokens": count_tokens(answer)},
        }
    if "texts" in body:
        return cohere_embed(body, dimension)
    raise ValueError("expected inputText (Titan), messages + anthropic_version (Claude) or texts (Cohere)")


def sagemaker_invoke(body: Any, dimension: int) -> list[list[float]]:
    """``POST /endpoints/{name}/invocations``: a JSON list of texts (or ``{"inputs": ...}``) → embeddings."""
    texts = _texts(body.get("inputs") if isinstance(body, dict) else body, "body")
    return [embed(text, dimension) for text in texts]
