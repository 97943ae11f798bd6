"""Request bodies as OpenSearch parses them: comments allowed, duplicate keys rejected, depth bounded."""

import itertools
import json
import re
from typing import Any

from mlgitops.errors import EngineError

MAX_DEPTH = 100
# A JSON string (escapes included), a line comment, a block comment, or an unterminated block comment.
_TOKEN = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|//[^\n]*|/\*.*?\*/|/\*', re.DOTALL)
# The depth check keeps only quotes and brackets (bytes.translate, in C), so strings become "..."
# holding nothing but brackets; escaped backslashes and quotes are removed first.
_NOT_STRUCTURE = bytes(c for c in range(256) if c not in b'"[]{}')
_STEPS = [{ord("["): 1, ord("{"): 1, ord("]"): -1, ord("}"): -1}.get(byte, 0) for byte in range(256)]


def _parse_error(reason: str) -> EngineError:
    return EngineError(reason, 400, "parse_exception")


def _replace_comment(match: "re.Match[str]") -> str:
    token = match.group()
    if token.startswith('"'):
        return token
    if token.startswith("//"):
        return ""
    if not token.endswith("*/") or len(token) < 4:
        raise _parse_error("Unexpected end-of-input in a comment")
    return " "


def _strip_comments(text: str) -> str:
    return _TOKEN.sub(_replace_comment, text)


def _check_depth(body: bytes) -> None:
    """400 when arrays and objects nest deeper than MAX_DEPTH (brackets inside strings do not count)."""
    if body.count(b"{") + body.count(b"[") <= MAX_DEPTH:
        return  # cannot be deeper: the usual case costs two byte counts
    skeleton = body.replace(b"\\\\", b"").replace(b'\\"', b"").translate(None, _NOT_STRUCTURE)
    brackets = b"".join(skeleton.split(b'"')[::2])  # every other piece lies outside the strings
    if max(itertools.accumulate(map(_STEPS.__getitem__, brackets)), default=0) > MAX_DEPTH:
        raise _parse_error(f"request body nests objects and arrays deeper than {MAX_DEPTH} levels")


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _parse_error(f"Duplicate field '{key}'")
            seen.add(key)
    return result


def _loads(text: str) -> Any:
    try:
        return json.loads(text, object_pairs_hook=_no_duplicates)
    except RecursionError:
        raise _parse_error(f"request body nests deeper than {MAX_DEPTH} levels") from None


def parse(body: bytes | None) -> Any:
    """The JSON value of a request body, or None for an empty body."""
    if not body or not body.strip():
        return None
    _check_depth(body)
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise _parse_error("request body is not valid UTF-8") from None
    try:
        return _loads(text)  # plain JSON: no Python-level scan at all
    except json.JSONDecodeError as first:
        failure = first
    if "/" in text:
        try:
            return _loads(_strip_comments(text))
        except json.JSONDecodeError as exc:
            failure = exc
    raise _parse_error(
        f"Failed to parse request body: {failure.msg} at line {failure.lineno} column {failure.colno}"
    ) from None
