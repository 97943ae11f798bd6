"""Request bodies: comments, duplicate keys, and a nesting bound that ignores string contents."""

import json

import pytest

from mlgitops.engine.http import bodies, jsonbody
from mlgitops.errors import EngineError


def _nested(depth: int) -> bytes:
    return b'{"a":' * (depth - 1) + b"[]" + b"}" * (depth - 1)


def test_nesting_up_to_the_bound_is_accepted_and_beyond_it_refused() -> None:
    assert bodies.check_depth(_nested(bodies.MAX_DEPTH)) is None
    assert jsonbody.parse(_nested(bodies.MAX_DEPTH)) is not None
    refused = bodies.check_depth(_nested(bodies.MAX_DEPTH + 1))
    assert refused is not None and refused.status == 400
    assert refused.body is not None
    assert refused.body["error"]["reason"] == "request body nests objects and arrays deeper than 100 levels"


def test_the_parser_itself_answers_400_to_nesting_beyond_the_interpreter() -> None:
    """The in-process transport has no depth bound in front of it: RecursionError must not be a 500."""
    with pytest.raises(EngineError, match="nests objects and arrays too deeply") as refused:
        jsonbody.parse(b"[" * 200_000 + b"]" * 200_000)
    assert refused.value.status == 400


@pytest.mark.parametrize(
    "text",
    [
        "[" * 300,  # brackets in a string
        "\\\\" + "[" * 300,  # after an escaped backslash
        '\\"' + "{" * 300,  # after an escaped quote
        "\\n\\t" + "[" * 300 + "\\\\",  # other escapes, and a string ending in a backslash
    ],
)
def test_brackets_inside_strings_never_count(text: str) -> None:
    body = json.dumps({"many": [{"s": json.loads(f'"{text}"')}] * 60, "tail": [[1], {"x": [2]}]}).encode()
    assert bodies.check_depth(body) is None
    assert jsonbody.parse(body)["tail"] == [[1], {"x": [2]}]


def test_wide_bodies_with_many_brackets_are_not_deep() -> None:
    body = json.dumps([{"a": [1, {"b": []}]} for _ in range(10_000)]).encode()
    assert bodies.check_depth(body) is None


def test_comments_are_allowed_outside_strings_only() -> None:
    body = b'/* lead */ {"url": "https://x/*not*/y", // line\n "n": 1 /* tail */}'
    assert jsonbody.parse(body) == {"url": "https://x/*not*/y", "n": 1}
    with pytest.raises(EngineError, match="Unexpected end-of-input in a comment"):
        jsonbody.parse(b'{"n": 1} /* open')


def test_duplicate_keys_are_refused_at_any_level() -> None:
    for body in (b'{"a": 1, "a": 2}', b'{"x": [{"b": 1, "b": 1}]}', b'/* c */ {"a": 1, "a": 2}'):
        with pytest.raises(EngineError, match="Duplicate field"):
            jsonbody.parse(body)


def test_a_duplicate_error_names_the_first_key_read_twice() -> None:
    with pytest.raises(EngineError, match=r"^Duplicate field 'b'\n at \[.*; line: 1, column: 21\]$"):
        jsonbody.parse(b'{"a": 1, "b": 2, "b": 3, "a": 4}')


def test_invalid_json_names_the_position() -> None:
    with pytest.raises(
        EngineError, match=r"double-quote to start field name\n at \[.*; line: 2, column: 3\]$"
    ):
        jsonbody.parse(b'{"a": 1,\n  }')
    with pytest.raises(
        EngineError, match=r"double-quote to start field name\n at \[.*; line: 1, column: 15\]$"
    ):
        jsonbody.parse(b'{"url": "a/b",}')
