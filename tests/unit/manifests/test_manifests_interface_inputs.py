"""A predict parameter the using Model's ``interface.input`` requires needs no connector default."""

import json

import pytest
from manifest_helpers import CONNECTOR, Loader, messages

BODY = CONNECTOR.replace('{"model": "${parameters.model}"}', '{"messages": ${parameters.messages}}')
WARNING = (
    "${parameters.messages} has no connector parameter and no ':-' default; "
    "the predict request must supply it"
)
SCHEMA = {
    "type": "object",
    "properties": {"parameters": {"type": "object", "required": ["messages"]}},
    "required": ["parameters"],
}
GROUP = "apiVersion: mlgitops/v1\nkind: ModelGroup\nmetadata:\n  name: g\nspec: {}\n"


def model(name: str, interface: object | None) -> str:
    text = (
        f"apiVersion: mlgitops/v1\nkind: Model\nmetadata:\n  name: {name}\nspec:\n"
        "  function_name: remote\n  model_group: g\n  connector: openai\n"
    )
    return text if interface is None else text + f"  interface:\n    input: {json.dumps(interface)}\n"


def test_the_warning_fires_without_an_interface(load_text: Loader) -> None:
    assert messages(load_text("---\n".join([BODY, GROUP, model("m", None)])), "warning") == [WARNING]


@pytest.mark.parametrize("as_text", [False, True], ids=["object", "json-string"])
def test_interface_requiring_the_parameter_silences_it(load_text: Loader, as_text: bool) -> None:
    interface = json.dumps(SCHEMA) if as_text else SCHEMA
    assert load_text("---\n".join([BODY, GROUP, model("m", interface)])).issues == ()


@pytest.mark.parametrize(
    "schema",
    [
        {"type": "object", "properties": {"parameters": {"type": "object", "required": ["other"]}}},
        {"type": "object", "properties": {"parameters": {"required": ["messages"]}}},  # parameters optional
        "not json",
    ],
    ids=["other-parameter", "parameters-not-required", "invalid-json"],
)
def test_interface_that_does_not_require_it_keeps_the_warning(load_text: Loader, schema: object) -> None:
    result = load_text("---\n".join([BODY, GROUP, model("m", schema)]))
    assert messages(result, "warning") == [WARNING]


def test_every_model_using_the_connector_must_require_it(load_text: Loader) -> None:
    result = load_text("---\n".join([BODY, GROUP, model("a", SCHEMA), model("b", None)]))
    assert messages(result, "warning") == [WARNING]


def test_inline_connector_uses_its_own_models_interface(load_text: Loader) -> None:
    inline = "\n".join("    " + line for line in BODY.split("spec:\n", 1)[1].splitlines())
    base = model("m", SCHEMA).replace("  connector: openai\n", "  inline_connector:\n" + inline + "\n")
    assert load_text(GROUP + "---\n" + base).issues == ()
    without = model("m", None).replace("  connector: openai\n", "  inline_connector:\n" + inline + "\n")
    assert messages(load_text(GROUP + "---\n" + without), "warning") == [WARNING]
