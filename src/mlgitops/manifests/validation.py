"""Dispatch a parsed document on ``kind``, check it against its JSON Schema, then build the model."""

from collections.abc import Iterator
from functools import lru_cache
from typing import Any, cast

from jsonschema import Draft202012Validator
from pydantic import ValidationError as PydanticValidationError

from mlgitops.manifests.issues import Issue, Severity
from mlgitops.manifests.leaves import any_leaf
from mlgitops.manifests.loading import RawDocument
from mlgitops.manifests.positions import JsonPath, format_path, key_text
from mlgitops.manifests.schema_messages import describe, is_secret_path, shown, suggest, type_of
from mlgitops.model.jsonvalues import JSON_SCALARS
from mlgitops.model.resources import DOCUMENT_TYPES, Document, Kind
from mlgitops.model.schemas import build_kind_schema

KIND_NAMES = tuple(kind.value for kind in Kind)
# Kinds whose JSON Schema is pydantic's own for the model (ClusterSettings' is hand-built).
FAST_KINDS = frozenset(Kind) - {Kind.CLUSTER_SETTINGS}


def issue_at(raw: RawDocument, path: JsonPath, message: str, severity: Severity = "error") -> Issue:
    """An issue located at ``path`` inside ``raw``."""
    line, column = raw.positions.locate(path)
    return Issue(str(raw.path), line, column, message, severity, format_path(path), raw.index)


@lru_cache(maxsize=len(Kind))
def _validator(kind: Kind) -> Draft202012Validator:
    return Draft202012Validator(build_kind_schema(kind))


def _kind_of(raw: RawDocument, data: dict[str, Any]) -> tuple[Kind | None, list[Issue]]:
    listed = ", ".join(KIND_NAMES)
    if "kind" not in data:
        return None, [issue_at(raw, (), f"missing required field 'kind' (one of {listed})")]
    kind = data["kind"]
    if isinstance(kind, str) and kind in KIND_NAMES:
        return Kind(kind), []
    if not isinstance(kind, str):
        return None, [issue_at(raw, ("kind",), f"kind: expected one of {listed}, got a {type_of(kind)}")]
    message = f"unknown kind '{shown(kind)}'{suggest(str(kind), list(KIND_NAMES))} (kinds: {listed})"
    return None, [issue_at(raw, ("kind",), message)]


def _only_json(value: Any) -> bool:
    """True when every value is a mapping, list or JSON scalar (the usual case, checked without paths)."""
    return not any_leaf(value, lambda leaf: not isinstance(leaf, JSON_SCALARS))


def _non_json_values(value: Any, path: JsonPath) -> Iterator[tuple[JsonPath, str]]:
    """Values YAML builds that JSON (and so ML Commons) cannot carry: dates, bytes, sets."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _non_json_values(item, (*path, key_text(key)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _non_json_values(item, (*path, index))
    elif not isinstance(value, JSON_SCALARS):
        word = "binary data" if isinstance(value, bytes) else f"a {type_of(value)}"
        message = f"{format_path(path)}: YAML reads this value as {word}, which JSON cannot carry; quote it"
        yield path, message


def validate_document(
    raw: RawDocument, data: Any, *, decoded_json: bool = False
) -> tuple[Document | None, list[Issue]]:
    """Validate one document's data (variables already filled); every problem becomes an issue.

    ``decoded_json``: ``data`` comes from ``json.loads``, so it holds JSON values only (not checked).
    """
    if not isinstance(data, dict):
        message = (
            f"a manifest document must be a mapping with apiVersion, kind, metadata and spec, "
            f"got a {type_of(data)}"
        )
        return None, [issue_at(raw, (), message)]
    kind, issues = _kind_of(raw, data)
    if kind is None:
        return None, issues
    if not decoded_json and not _only_json(data):
        return None, [issue_at(raw, path, message) for path, message in _non_json_values(data, ())]
    document = strict_model(kind, data)
    if document is not None:
        return document, []
    return schema_validate(raw, kind, data)


def schema_validate(
    raw: RawDocument, kind: Kind, data: dict[str, Any]
) -> tuple[Document | None, list[Issue]]:
    """The full check: every JSON Schema error, located; then the (lax) model when there is none."""
    issues: list[Issue] = []
    for error in _validator(kind).iter_errors(data):
        issues.extend(issue_at(raw, path, message) for path, message in describe(error))
    if issues:
        return None, issues
    try:
        return cast(Document, DOCUMENT_TYPES[kind].model_validate(data)), []
    except PydanticValidationError as exc:
        return None, [_pydantic_issue(raw, error) for error in exc.errors(include_input=False)]


def strict_model(kind: Kind, data: dict[str, Any]) -> Document | None:
    """The model when pydantic accepts ``data`` strictly, by alias only; None to take the full path.

    Strict and by alias, pydantic accepts only what the kind's JSON Schema accepts (the schema is
    generated from the same model: no coercion, no field names for aliases, ``extra="forbid"`` for
    ``additionalProperties: false``; its patterns are stricter, never looser), and builds the model the
    lax validation would. A document it refuses goes through the schema, which locates every problem.
    """
    if kind not in FAST_KINDS:
        return None
    try:
        model = DOCUMENT_TYPES[kind].model_validate(data, strict=True, by_alias=True, by_name=False)
    except PydanticValidationError:
        return None
    return cast(Document, model)


def _pydantic_issue(raw: RawDocument, error: Any) -> Issue:
    """Problems the JSON Schema cannot express (e.g. a non-string mapping key)."""
    loc = [item for item in error["loc"] if isinstance(item, str | int)]
    if loc and loc[-1] == "[key]":
        path: JsonPath = (*loc[:-2], str(loc[-2]))
        return issue_at(raw, path, f"{format_path(path)}: mapping keys must be strings (quote the key)")
    path = tuple(loc)
    message = "invalid value" if is_secret_path(path) else str(error["msg"])
    return issue_at(raw, path, f"{format_path(path) or 'document'}: {message}")
