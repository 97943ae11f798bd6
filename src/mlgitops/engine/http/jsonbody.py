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
        raise _parse_error("Unexpected end-of-input in a comment", 1, len(match.string))
    return " "


def _strip_comments(text: str) -> str:
    return _TOKEN.sub(_without_comment, text)  # strings and comments are matched in C, copied as a whole


class _DuplicateKeyError(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)  # built in C; fewer entries than pairs means a key is repeated
    if len(result) != len(pairs):
        raise _DuplicateKeyError(_first_repeated(pairs))
    return result


def _first_repeated(pairs: list[tuple[str, Any]]) -> str:
    """The first key of ``pairs`` that an earlier pair has (there is one)."""
    seen: set[str] = set()
    for key, _ in pairs:
        if key in seen:
            break
        seen.add(key)
    return key


def _string_end(text: str, start: int) -> int:
    """The index after the string literal that opens at ``start``."""
    i = start + 1
    while text[i] != '"':
        i += 2 if text[i] == "\\" else 1
    return i + 1


def _duplicate_position(text: str) -> tuple[int, int]:
    """Line and column just after the first key repeated in its object (where Jackson stops)."""
    objects: list[set[str] | None] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char == '"':
            end = _string_end(text, i)
            keys = objects[-1] if objects else None
            if keys is not None and text[end:].lstrip().startswith(":"):
                key = json.loads(text[i:end])
                if key in keys:
                    return text.count("\n", 0, end) + 1, end - (text.rfind("\n", 0, end) + 1) + 1
                keys.add(key)
            i = end
            continue
        if char in "{[":
            objects.append(set() if char == "{" else None)
        elif char in "}]" and objects:
            objects.pop()
        i += 1
    return 1, 1


_DECODER = json.JSONDecoder(object_pairs_hook=_no_duplicates)  # built once, not per body


def _loads(text: str) -> Any:
    try:
        return _DECODER.decode(text)
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
        raise _parse_error("Invalid UTF-8 start byte", 1, 1) from None
    try:
        return _loads(text)  # plain JSON, the usual case: no pass over the text in Python
    except json.JSONDecodeError as exc:
        failure, plain = exc, text
    except _DuplicateKeyError as exc:
        raise _parse_error(f"Duplicate field '{exc.key}'", *_duplicate_position(text)) from None
    if "/" in text:  # perhaps comments: strip them and parse again
        plain = _strip_comments(text)
        try:
            return _loads(plain)
        except json.JSONDecodeError as exc:
            failure = exc
        except _DuplicateKeyError as exc:
            raise _parse_error(f"Duplicate field '{exc.key}'", *_duplicate_position(plain)) from None
    message, at = _jackson_message(failure.msg, plain, failure.pos)
    raise _parse_error(message, *_line_column(plain, at)) from None


def _container_at(text: str, pos: int) -> str:
    """``Object`` or ``Array``: the innermost container open at ``pos``."""
    stack: list[str] = []
    i = 0
    while i < pos:
        if text[i] == '"':
            i = _string_end(text, i) if text.find('"', i + 1) >= 0 else pos
            continue
        if text[i] in "{[":
            stack.append("Object" if text[i] == "{" else "Array")
        elif text[i] in "}]" and stack:
            stack.pop()
        i += 1
    return stack[-1] if stack else "Object"


def _line_column(text: str, pos: int) -> tuple[int, int]:
    return text.count("\n", 0, pos) + 1, pos - (text.rfind("\n", 0, pos) + 1) + 1


def _jackson_message(message: str, text: str, pos: int) -> tuple[str, int]:
    """Python's JSON syntax error in Jackson's words (what OpenSearch answers) and where Jackson stops."""
    if pos >= len(text):
        return f"Unexpected end-of-input within/between {_container_at(text, pos)} entries", pos
    word = re.match(r"\w+", text[pos:])
    if message == "Expecting value" and word:
        end = pos + len(word.group(0))
        reason = (
            f"Unrecognized token '{word.group(0)}': was expecting (JSON String, Number, Array, Object or "
            "token 'null', 'true' or 'false')"
        )
        return reason, min(end + 1, len(text))  # Jackson has read one character past the token
    return _unexpected(message, text, pos), pos


def _unexpected(message: str, text: str, pos: int) -> str:
    char = text[pos]
    unexpected = f"Unexpected character ('{char}' (code {ord(char)}))"
    if message.startswith("Expecting property name"):
        return f"{unexpected}: was expecting double-quote to start field name"
    if message == "Expecting ',' delimiter":
        return f"{unexpected}: was expecting comma to separate {_container_at(text, pos)} entries"
    if message == "Expecting ':' delimiter":
        return f"{unexpected}: was expecting a colon to separate field name and value"
    if message == "Expecting value":
        return f"{unexpected}: expected a value"
    return message


def _parse_error(message: str, line: int, column: int) -> EngineError:
    """Jackson's ``json_parse_exception``, located the way OpenSearch reports it."""
    where = "Source: REDACTED (`StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION` disabled)"
    return EngineError(
        f"{message}\n at [{where}; line: {line}, column: {column}]", 400, "json_parse_exception"
    )


def root_position(body: bytes | None) -> dict[str, object]:
    """``line``/``col`` of the first token of a body, as a parsing error reports them."""
    text = (body or b"").decode("utf-8", errors="replace")
    stripped = text.lstrip()
    before = text[: len(text) - len(stripped)]
    return {"line": before.count("\n") + 1, "col": len(before) - (before.rfind("\n") + 1) + 1}


def value_position(body: bytes | None, field: str) -> dict[str, object] | None:
    """``line``/``col`` of the value of a top-level field (where a parsing error points), if found."""
    text = _strip_comments((body or b"").decode("utf-8", errors="replace"))
    depth, i = 0, 0
    while i < len(text):
        char = text[i]
        if char == '"':
            end = _string_end(text, i)
            rest = text[end:].lstrip()
            if depth == 1 and rest.startswith(":") and json.loads(text[i:end]) == field:
                start = len(text) - len(rest[1:].lstrip())
                line_start = text.rfind("\n", 0, start) + 1
                return {"line": text.count("\n", 0, start) + 1, "col": start - line_start + 1}
            i = end
            continue
        depth += 1 if char in "{[" else -1 if char in "}]" else 0
        i += 1
    return None
