"""jsonschema errors turned into messages, including the rarer validators."""

import datetime
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from mlgitops.manifests.schema_messages import describe, is_secret_path, type_of


def problems(schema: dict[str, Any], instance: Any) -> list[tuple[tuple[str | int, ...], str]]:
    return [p for error in Draft202012Validator(schema).iter_errors(instance) for p in describe(error)]


@pytest.mark.parametrize(
    ("value", "name"),
    [(None, "null"), (True, "boolean"), (1, "integer"), (1.5, "number"), ("s", "string"), ([], "list"),
     ({}, "mapping"), (datetime.date(2024, 1, 1), "date")],
)  # fmt: skip
def test_type_of(value: Any, name: str) -> None:
    assert type_of(value) == name


def test_secret_paths() -> None:
    assert is_secret_path(("spec", "credential"))
    assert is_secret_path(("spec", "credential", "key"))
    assert is_secret_path(("spec", "credential", "key", "env"))
    assert not is_secret_path(("spec", "parameters", "credential_name"))


@pytest.mark.parametrize(
    ("schema", "instance", "expected"),
    [
        ({"properties": {"a": {"pattern": "^x$"}}}, {"a": "y"}, "a: does not match the pattern ^x$"),
        ({"properties": {"a": {"maxLength": 2}}}, {"a": "yyy"}, "a: is longer than 2 characters"),
        ({"properties": {"a": {"minLength": 3}}}, {"a": "y"}, "a: is too short"),
        ({"properties": {"a": {"minItems": 2}}}, {"a": [1]}, "a: needs at least 2 items"),
        ({"properties": {"a": {"minProperties": 2}}}, {"a": {"b": 1}}, "a: needs at least 2 entries"),
        ({"properties": {"a": {"minimum": 0}}}, {"a": -1}, "a: must be >= 0"),
        ({"properties": {"a": {"maximum": 10}}}, {"a": 11}, "a: must be <= 10"),
        ({"properties": {"a": {"multipleOf": 2}}}, {"a": 3}, "a: 3 is not a multiple of 2"),
        ({"uniqueItems": True}, [1, 1], "document: [1, 1] has non-unique elements"),
    ],
)
def test_messages_name_the_field(schema: dict[str, Any], instance: Any, expected: str) -> None:
    assert [message for _, message in problems(schema, instance)] == [expected]


def test_fallback_never_quotes_values_below_credential() -> None:
    schema = {"properties": {"credential": {"additionalProperties": {"multipleOf": 7}}}}
    assert problems(schema, {"credential": {"k": 12345}}) == [
        (("credential", "k"), "credential.k: invalid value (multipleOf)")
    ]


def test_enum_below_credential_hides_the_value() -> None:
    schema = {"properties": {"credential": {"additionalProperties": {"enum": ["a", "b"]}}}}
    assert problems(schema, {"credential": {"k": "s3cret"}}) == [
        (("credential", "k"), "credential.k: is not one of a, b")
    ]


def test_any_of_with_only_type_mismatches_lists_the_types() -> None:
    schema = {"properties": {"a": {"anyOf": [{"type": "integer"}, {"type": "boolean"}, {"type": "null"}]}}}
    assert problems(schema, {"a": "x"}) == [(("a",), "a: expected integer or boolean, got string")]


def test_any_of_picks_the_branch_with_fewest_problems() -> None:
    branch_a = {"type": "object", "properties": {"x": {"type": "string"}, "y": {"type": "string"}}}
    branch_b = {"type": "object", "properties": {"x": {"type": "integer"}}, "additionalProperties": False}
    schema = {"anyOf": [branch_a, branch_b]}
    assert problems(schema, {"x": 1, "y": 2}) == [(("y",), "unknown field 'y' in document (allowed: x)")]


def test_any_of_with_an_enum_branch_explains_the_enum() -> None:
    choice = {"anyOf": [{"enum": ["public", "private"], "type": "string"}, {"type": "null"}]}
    schema = {"properties": {"a": choice}}
    assert problems(schema, {"a": "publik"}) == [
        (("a",), "a: 'publik' is not one of public, private; did you mean 'public'?")
    ]
    assert problems(schema, {"a": 5}) == [(("a",), "a: expected string, got integer")]


def test_any_of_with_tied_object_branches_names_each_shape() -> None:
    env = {"type": "object", "properties": {"env": {"type": "string"}}, "additionalProperties": False}
    file = {"type": "object", "properties": {"file": {"type": "string"}}, "additionalProperties": False}
    schema = {"properties": {"k": {"anyOf": [env, file, {"type": "string"}]}}}
    assert problems(schema, {"k": {"env": "A", "file": "b"}}) == [
        (("k",), "k: write {env: ...} or {file: ...}, not a mix of them")
    ]


def test_quoted_values_are_cut_short() -> None:
    schema = {"properties": {"a": {"enum": ["x"]}}}
    ((_, message),) = problems(schema, {"a": "y" * 500})
    assert message == f"a: '{'y' * 60}...' is not one of x"


def test_const_and_enum_never_quote_a_list_or_mapping() -> None:
    schema = {"properties": {"a": {"const": "v1"}, "b": {"enum": ["x", "y"]}}}
    instance = {"a": {"secret": "s3cret"}, "b": ["s3cret"]}
    assert [message for _, message in problems(schema, instance)] == [
        "a: must be 'v1', got a mapping",
        "b: is not one of x, y",
    ]
