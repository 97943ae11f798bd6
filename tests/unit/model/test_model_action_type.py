"""The action_type schema: any case, with a pattern every JSON Schema (ECMA regex) engine reads."""

import re

import pytest
from jsonschema import Draft202012Validator
from pydantic import ValidationError

from mlgitops.model.resources import (
    ACTION_TYPE_PATTERN,
    ACTION_TYPES,
    ConnectorAction,
    Kind,
    any_case_pattern,
)
from mlgitops.model.schemas import build_all_schemas, build_kind_schema


def action_schema(name: str = "connector.schema.json") -> dict[str, object]:
    schema = build_all_schemas()[name]
    prop: dict[str, object] = schema["$defs"]["ConnectorAction"]["properties"]["action_type"]
    return prop


def test_schema_uses_a_plain_character_class_pattern_and_lists_the_values() -> None:
    prop = action_schema()
    assert "enum" not in prop
    assert prop["examples"] == list(ACTION_TYPES)
    assert prop["pattern"] == ACTION_TYPE_PATTERN
    assert "(?" not in ACTION_TYPE_PATTERN  # no inline flags: not ECMA-262
    assert "any case" in str(prop["description"])
    for name in ("model.schema.json", "manifest.schema.json"):
        assert action_schema(name) == prop


@pytest.mark.parametrize(
    "word", ["predict", "PREDICT", "Predict", "bAtCh_PrEdIcT_sTaTuS", "Cancel_Batch_Predict"]
)
def test_schema_and_model_accept_any_case(word: str) -> None:
    validator = Draft202012Validator(build_kind_schema(Kind.CONNECTOR)["$defs"]["ConnectorAction"])
    action = {"action_type": word, "method": "POST", "url": "https://x"}
    assert list(validator.iter_errors(action)) == []
    assert ConnectorAction.model_validate(action).action_type == word


@pytest.mark.parametrize("word", ["train", "predictx", "xpredict", "batch-predict", ""])
def test_schema_and_model_refuse_other_words(word: str) -> None:
    validator = Draft202012Validator(build_kind_schema(Kind.CONNECTOR)["$defs"]["ConnectorAction"])
    action = {"action_type": word, "method": "POST", "url": "https://x"}
    assert [e.validator for e in validator.iter_errors(action)] == ["pattern"]
    with pytest.raises(ValidationError):
        ConnectorAction.model_validate(action)


def test_any_case_pattern_escapes_non_letters() -> None:
    pattern = any_case_pattern(("a.b", "c_1"))
    assert pattern == r"^([aA]\.[bB]|[cC]_1)$"
    assert re.fullmatch(pattern, "A.b") and not re.fullmatch(pattern, "aXb")


def test_a_trailing_newline_is_refused_by_the_model_with_a_clear_message() -> None:
    """Python's ``$`` (jsonschema) matches before a final newline; the model checks the whole value."""
    with pytest.raises(ValidationError, match=r"is not one of predict, execute, .* \(in any case\)"):
        ConnectorAction.model_validate({"action_type": "predict\n", "method": "POST", "url": "https://x"})
