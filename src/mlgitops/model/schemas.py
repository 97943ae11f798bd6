"""JSON Schemas built from the pydantic models: one per kind plus one for any manifest document."""

import json
from typing import Any

from pydantic import TypeAdapter
from pydantic.json_schema import GenerateJsonSchema

from mlgitops.model import settingsform
from mlgitops.model.resources import API_VERSION, DOCUMENT_TYPES, Document, Kind

DRAFT = "https://json-schema.org/draft/2020-12/schema"
SCHEMA_ID_BASE = "https://mlgitops.dev/schemas/"
ANY_DOCUMENT_FILE = "manifest.schema.json"
VARIABLE_SCHEMA: dict[str, Any] = {
    "type": "string",
    "pattern": r"^\$\{vars\.[A-Za-z_][A-Za-z0-9_.-]*\}$",
    "description": "A variable from mlgitops.yaml, filled before validation.",
}
_VARIABLE_TYPES = ("boolean", "integer", "number", "array")


class _NoFieldTitles(GenerateJsonSchema):
    """Pydantic's generator without the auto titles ("Plugins.Ml Commons.…") that add only noise."""

    def field_title_should_be_set(self, schema: Any) -> bool:  # noqa: ARG002 - pydantic's hook signature
        return False


def _with_settings_defs(schema: dict[str, Any]) -> dict[str, Any]:
    """Add the nested-settings maps a ClusterSettings spec refers to (its own schema is hand-built)."""
    if "ClusterSettingsSpec" in schema.get("$defs", {}):
        defs = {**schema["$defs"], "ClusterSettingsSpec": settingsform.spec_schema()}
        schema["$defs"] = {**defs, **settingsform.schema_defs()}
    return schema


def schema_file_name(kind: Kind) -> str:
    """``connector.schema.json`` for Connector, ``modelgroup.schema.json`` for ModelGroup, …"""
    return f"{kind.value.lower()}.schema.json"


def build_kind_schema(kind: Kind) -> dict[str, Any]:
    """The JSON Schema of one kind's documents."""
    body = _with_settings_defs(
        DOCUMENT_TYPES[kind].model_json_schema(by_alias=True, schema_generator=_NoFieldTitles)
    )
    return {
        "$schema": DRAFT,
        "$id": SCHEMA_ID_BASE + schema_file_name(kind),
        "title": f"mlgitops {kind.value}",
        **body,
    }


def build_document_schema() -> dict[str, Any]:
    """The schema of any document: dispatch on ``kind`` (if/then keeps editor messages precise)."""
    adapter: TypeAdapter[Any] = TypeAdapter(Document)
    body = _with_settings_defs(adapter.json_schema(by_alias=True, schema_generator=_NoFieldTitles))
    kinds = [kind.value for kind in Kind]
    branches = [
        {
            "if": {"properties": {"kind": {"const": kind.value}}, "required": ["kind"]},
            "then": {"$ref": f"#/$defs/{DOCUMENT_TYPES[kind].__name__}"},
        }
        for kind in Kind
    ]
    return {
        "$schema": DRAFT,
        "$id": SCHEMA_ID_BASE + ANY_DOCUMENT_FILE,
        "title": "mlgitops manifest document",
        "description": f"apiVersion {API_VERSION}; kind one of {', '.join(kinds)}.",
        "type": "object",
        "required": ["apiVersion", "kind", "metadata", "spec"],
        "properties": {
            "apiVersion": {"const": API_VERSION},
            "kind": {"enum": kinds},
        },
        "allOf": branches,
        "$defs": body["$defs"],
    }


def build_all_schemas() -> dict[str, dict[str, Any]]:
    """Every schema file, keyed by file name (editor flavour: ``${vars.NAME}`` accepted anywhere)."""
    schemas = {schema_file_name(kind): build_kind_schema(kind) for kind in Kind}
    schemas[ANY_DOCUMENT_FILE] = build_document_schema()
    return {name: allow_variables(schema) for name, schema in schemas.items()}


def allow_variables(schema: Any) -> Any:
    """A copy of ``schema`` where non-string values may also be a ``${vars.NAME}`` placeholder.

    Editors check the manifests as written, before mlgitops fills the variables; ``validate`` itself
    checks the filled documents against the strict schema.
    """
    if isinstance(schema, list):
        return [allow_variables(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    copied = {key: allow_variables(value) for key, value in schema.items()}
    if copied.get("type") in _VARIABLE_TYPES:
        outer = {key: copied.pop(key) for key in ("description", "default") if key in copied}
        return {**outer, "anyOf": [copied, VARIABLE_SCHEMA]}
    return copied


def render_schema(schema: dict[str, Any]) -> str:
    """The exact text written to disk (stable, so ``--check`` can compare bytes)."""
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"
