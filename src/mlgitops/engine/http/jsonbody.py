"""Request bodies as OpenSearch parses them: comments allowed, duplicate keys rejected."""

import json
import re
from typing import Any

from mlgitops.errors import EngineError

# A JSON string (escapes included), a line comment, a block comment, or an unterminated block comment.
_TOKEN = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|//[^\n]*|/\*.*?\*/|/\*', re.DOTALL)


def _without_comment(match: "re.Match[str]") -> str:
    token = match.group()
    if token.startswith('"'):
        return token
    if token.startswith("//"):
        return ""
    if len(token) < 4 or not token.endswith("*/"):
        raise EngineError("Unexpected end-of-input in a comment", 400, "parse_exception")
    return " "


def _strip_comments(text: str) -> str:
    return _TOKEN.sub(_without_comment, text)  # strings and comments are matched in C, copied as a whole


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise EngineError(f"Duplicate field '{key}'", 400, "parse_exception")
        result[key] = value
    return result


def _loads(text: str) -> Any:
    try:
        return json.loads(text, object_pairs_hook=_no_duplicates)
    except RecursionError:
        raise EngineError(
            "request body nests objects and arrays too deeply", 400, "parse_exception"
        ) from None


def parse(body: bytes | None) -> Any:
    """The JSON value of a request body, or None for an empty body."""
    if not body or not body.strip():
        return None
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise EngineError("request body is not valid UTF-8", 400, "parse_exception") from None
    try:
        return _loads(text)  # plain JSON, the usual case: no pass over the text in Python
    except json.JSONDecodeError as exc:
        failure = exc
    if "/" in text:  # perhaps comments: strip them and parse again
        try:
            return _loads(_strip_comments(text))
        except json.JSONDecodeError as exc:
            failure = exc
    raise EngineError(
        f"Failed to parse request body: {failure.msg} at line {failure.lineno} column {failure.colno}",
        400,
        "parse_exception",
    ) from None
