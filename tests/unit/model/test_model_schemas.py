"""JSON Schemas generated from the pydantic models."""

import pytest
from jsonschema import Draft202012Validator

from mlgitops.model.resources import Kind
from mlgitops.model.schemas import (
    ANY_DOCUMENT_FILE,
    allow_variables,
    build_all_schemas,
    build_document_schema,
    build_kind_schema,
    render_schema,
    schema_file_name,
)

GROUP = {"apiVersion": "mlgitops/v1", "kind": "ModelGroup", "metadata": {"name": "g"}, "spec": {}}


def test_one_file_per_kind_plus_any_document() -> None:
    assert set(build_all_schemas()) == {schema_file_name(k) for k in Kind} | {ANY_DOCUMENT_FILE}
    assert schema_file_name(Kind.CLUSTER_SETTINGS) == "clustersettings.schema.json"


@pytest.mark.parametrize("name", sorted(build_all_schemas()))
def test_schemas_are_valid_draft_2020_12(name: str) -> None:
    Draft202012Validator.check_schema(build_all_schemas()[name])


def test_kind_schema_is_strict_and_has_no_auto_titles() -> None:
    schema = build_kind_schema(Kind.CONNECTOR)
    validator = Draft202012Validator(schema)
    assert "title" not in schema["$defs"]["ConnectorAction"]["properties"]["url"]
    assert schema["$defs"]["ConnectorAction"]["additionalProperties"] is False
    doc = {**GROUP, "kind": "Connector", "spec": {"version": 1, "protocol": "http"}}
    assert {e.validator for e in validator.iter_errors(doc)} == {"required"}


def test_any_document_schema_dispatches_on_kind() -> None:
    validator = Draft202012Validator(build_document_schema())
    assert list(validator.iter_errors(GROUP)) == []
    wrong = {**GROUP, "spec": {"protocol": "http"}}
    errors = list(validator.iter_errors(wrong))
    assert errors
    assert all("protocol" in str(e.message) or e.validator == "additionalProperties" for e in errors)
    assert list(validator.iter_errors({**GROUP, "kind": "Nope"}))


def test_editor_schemas_accept_variables_for_non_string_fields() -> None:
    strict = Draft202012Validator(build_document_schema())
    editor = Draft202012Validator(build_all_schemas()[ANY_DOCUMENT_FILE])
    doc = {
        "apiVersion": "mlgitops/v1",
        "kind": "ClusterSettings",
        "metadata": {"name": "s"},
        "spec": {"plugins.ml_commons.only_run_on_ml_node": "${vars.flag}"},
    }
    assert list(strict.iter_errors(doc))
    assert list(editor.iter_errors(doc)) == []
    doc["spec"] = {"plugins.ml_commons.only_run_on_ml_node": "yes"}
    assert list(editor.iter_errors(doc))


def test_allow_variables_keeps_description_outside() -> None:
    wrapped = allow_variables({"type": "boolean", "description": "d", "default": False})
    assert wrapped["description"] == "d"
    assert wrapped["anyOf"][0] == {"type": "boolean"}


def test_rendering_is_stable() -> None:
    first = render_schema(build_document_schema())
    assert first == render_schema(build_document_schema())
    assert first.endswith("}\n")
