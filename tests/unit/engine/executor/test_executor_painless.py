"""The Painless subset: the scripts the blueprints use, Java value formatting, and refusals with positions."""

import json

import executorkit as kit
import pytest

from mlgitops.engine.executor.painless import run_script
from mlgitops.errors import EngineError

AZURE_POST = (
    "def text = params.choices[0].message.content; "
    'return \'{"name":"response","dataAsMap":{"response":"\' + escape(text) + \'"}}\''
)


def test_titan_pre_script_builds_the_parameters_json() -> None:
    out = run_script(kit.TITAN_PRE_SCRIPT, {"text_docs": ["hello world"]})
    assert out == '{"parameters":{"inputText":"hello world"}}'


def test_titan_post_script_prints_lists_like_java() -> None:
    out = run_script(
        kit.TITAN_POST_SCRIPT, {"embedding": [0.5, 1e-5, 2.0, 12345678.0, 3], "inputTextTokenCount": 2}
    )
    head = '{"name":"sentence_embedding","data_type":"FLOAT32","shape":[5],'
    assert out == head + '"data":[0.5, 1.0E-5, 2.0, 1.2345678E7, 3]}'
    assert json.loads(out)["data"][1] == 1e-5


def test_titan_post_script_returns_the_message_without_embedding() -> None:
    assert run_script(kit.TITAN_POST_SCRIPT, {"message": "throttled"}) == "throttled"


def test_azure_post_script_escapes_the_content() -> None:
    out = run_script(AZURE_POST, {"choices": [{"message": {"content": 'a "quote"\nline'}}]})
    assert json.loads(out) == {"name": "response", "dataAsMap": {"response": 'a "quote"\nline'}}


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("def s = 0; for (def x : params.a) { s += x; } return s;", 6),
        ("int s = 0; for (int i = 0; i < params.a.size(); i++) { s = s + params.a[i] * 2; } return s;", 12),
        (
            "def out = []; for (def d : params.docs) { if (d == 'skip') { continue; } out.add(d); } "
            "return out;",
            ["k"],
        ),
        ("def i = 0; while (true) { i++; if (i >= 3) { break; } } return i;", 3),
        ("return params.missing == null && !(params.a.length != 3) || false;", True),
        ("return params.a.isEmpty() ? 'empty' : 'n=' + params.a.size();", "n=3"),
        ("return [1, 2.5, null, true, 'x'] + '|' + ['k': [1]];", "[1, 2.5, null, true, x]|{k=[1]}"),
        ("return 7 / 2 + ',' + -7 / 2 + ',' + 7 % 3 + ',' + 7.0 / 2;", "3,-3,1,3.5"),
        (
            "String s = 'abc'; return s.substring(1) + s.length() + s.toUpperCase() + String.valueOf(1.0);",
            "bc3ABC1.0",
        ),
        (
            "def m = [:]; m.put('a', 1); m.b = 2; "
            "return m.containsKey('a') && m.get('b') == 2 && m.size() == 2",
            True,
        ),
        (
            "StringBuilder b = new StringBuilder('x'); b.append(1).append(null); "
            "return b.toString() + b.length()",
            "x1null6",
        ),
        ("// comment\n/* block */ return params.a[0]", 1),
        ("return (int) 3.7 + (double) 1;", 4.0),
        ("return String.join(',', ['a', 'b']) + Math.max(1, 2) + Math.abs(-3);", "a,b23"),
        ("return params.nothing?.field == null && params.nothing?.size() == null;", True),
        ("def x = 1; x -= 3; x *= 2; return x + (x < 0 ? '<0' : '>=0');", "-4<0"),
    ],
)
def test_supported_constructs(source: str, expected: object) -> None:
    assert run_script(source, {"a": [1, 2, 3], "docs": ["skip", "k"]}) == expected


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("return params.a.stream().map(x -> x);", r"lambda '->' \(expected ','\) at line 1, column 32"),
        ("def x = 1;\n  int[] a = null;", r"'int' at line 2, column 3"),
        ("return foo(1);", r"function 'foo\(\)' at line 1, column 8"),
        ("def f = new Date();", r"'new Date' at line 1, column 13"),
        ("List<String> l = [];", r"'List' at line 1, column 1"),
        ("return params.a ?: 1;", r"elvis operator '\?:' \(expected ';'\) at line 1, column 17"),
        ("return 'a' @ 1;", r"character '@' at line 1, column 12"),
        ("return 'unterminated", r"character \"'\" at line 1, column 8"),
    ],
)
def test_unsupported_constructs_are_refused_with_their_position(source: str, message: str) -> None:
    with pytest.raises(EngineError, match="^Unsupported Painless construct .*" + message) as err:
        run_script(source, {"a": [1]})
    assert err.value.status == 400


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("return params.nothing.field;", r"line 1, column 23: null pointer: cannot access \[field\] of null"),
        ("return params.a[5];", "index 5 out of bounds for length 1"),
        ("return undefinedName;", r"cannot resolve symbol \[undefinedName\]"),
        ("while (true) { }", "maximum number of statements"),
        ("return 1 / 0;", "/ by zero"),
        ("if (params.a) { return 1; }", "condition is not a boolean"),
    ],
)
def test_runtime_errors_are_reported_with_their_position(source: str, message: str) -> None:
    with pytest.raises(EngineError, match="^Painless script error at .*" + message):
        run_script(source, {"a": [1]})


def test_absurd_nesting_is_an_error_not_a_crash() -> None:
    with pytest.raises(EngineError, match="nested too deeply"):
        run_script("return " + "(" * 5000 + "1" + ")" * 5000 + ";", {})
