"""Request bodies as OpenSearch parses them: comments allowed, duplicate keys rejected."""

import json
from typing import Any

from mlgitops.errors import EngineError


def _strip_comments(text: str) -> str:
    out: list[str] = []
    i, n, in_string = 0, len(text), False
    while i < n:
        char = text[i]
        if in_string:
            out.append(char)
            if char == "\\" and i + 1 < n:
                out.append(text[i + 1])
                i += 1
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
            out.append(char)
        elif text.startswith("//", i):
            end = text.find("\n", i)
            i = n if end < 0 else end
            continue
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            if end < 0:
                raise EngineError("Unexpected end-of-input in a comment", 400, "parse_exception")
            out.append(" ")
            i = end + 2
            continue
        else:
            out.append(char)
        i += 1
    return "".join(out)


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise EngineError(f"Duplicate field '{key}'", 400, "parse_exception")
        result[key] = value
    return result


def parse(body: bytes | None) -> Any:
    """The JSON value of a request body, or None for an empty body."""
    if not body or not body.strip():
        return None
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise EngineError("request body is not valid UTF-8", 400, "parse_exception") from None
    try:
        return json.loads(_strip_comments(text), object_pairs_hook=_no_duplicates)
    except json.JSONDecodeError as exc:
        raise EngineError(
            f"Failed to parse request body: {exc.msg} at line {exc.lineno} column {exc.colno}",
            400,
            "parse_exception",
        ) from None
