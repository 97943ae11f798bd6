"""The strict pydantic path reports exactly what the full JSON Schema path reports, document by document.

``validate_document`` builds the model straight from pydantic (strict, by alias) and runs the schema
only on documents pydantic refuses. These tests compare it with the full path (schema, then lax
pydantic) over the example manifests, the test manifests, the official blueprint bodies, and every
single-field mutation of one document of each kind: the same model, the same issues, in order.
"""

import copy
import json
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

import blueprintkit
from mlgitops.manifests import validation
from mlgitops.manifests.issues import Issue
from mlgitops.manifests.loading import RawDocument, find_manifest_files, read_manifest_file
from mlgitops.manifests.positions import Positions
from mlgitops.model.resources import DOCUMENT_TYPES, Document, Kind
from mlgitops.model.schemas import build_kind_schema

ROOT = Path(__file__).parents[3]
Outcome = tuple[Document | None, list[Issue]]

# Values that each field is replaced with in turn: other types, the coercions lax pydantic makes
# (text for numbers and booleans, booleans for numbers, whole floats for integers), edge strings.
REPLACEMENTS: tuple[Any, ...] = (
    "1", "true", 1, 0, -1, 1.0, 1.5, math.nan, True, False, None, "", "a\n", "x" * 300,
    [], [{}], ["a"], {}, {"env": "X"}, {"file": "f"}, {"model": "m"}, {1: "a"},
)  # fmt: skip
SEARCH_PIPELINE = {
    "apiVersion": "mlgitops/v1",
    "kind": "SearchPipeline",
    "metadata": {"name": "rag"},
    "spec": {
        "description": "rag",
        "request_processors": [{"filter_query": {"query": {"match_all": {}}}}],
        "response_processors": [{"retrieval_augmented_generation": {"model_id": {"model": "m"}}}],
        "version": 1,
    },
}


def _outcome(raw: RawDocument, monkeypatch: pytest.MonkeyPatch | None = None) -> Outcome:
    if monkeypatch is None:
        return validation.validate_document(raw, raw.data)
    with monkeypatch.context() as patched:
        patched.setattr(validation, "strict_model", lambda kind, data: None)
        return validation.validate_document(raw, raw.data)


def _raw(data: Any, positions: Positions | None = None) -> RawDocument:
    return RawDocument(Path("m.yaml"), 0, data, positions or Positions((1, 1)))


def _same(raw: RawDocument, monkeypatch: pytest.MonkeyPatch) -> str | None:
    """None when both paths agree, else what differs."""
    fast, full = _outcome(raw), _outcome(raw, monkeypatch)
    if type(fast[0]) is not type(full[0]) or fast[0] != full[0] or fast[1] != full[1]:
        return f"{json.dumps(raw.data, default=repr)[:300]}\n  fast: {fast}\n  full: {full}"
    return None


def _written_documents() -> list[RawDocument]:
    files, _ = find_manifest_files([ROOT / "manifests", ROOT / "tests" / "data" / "manifests"])
    return [raw for file in files for raw in read_manifest_file(file)[0]]


def _blueprint_documents() -> list[RawDocument]:
    return [
        _raw(blueprintkit.document(stem, filled=filled))
        for stem in blueprintkit.stems()
        for filled in (False, True)
    ]


def _aliases(model: type[BaseModel], seen: set[type[BaseModel]] | None = None) -> Iterator[tuple[str, str]]:
    """(alias, field name) of every aliased field reachable from ``model``."""
    seen = seen if seen is not None else set()
    if model in seen:
        return
    seen.add(model)
    for name, info in model.model_fields.items():
        if info.alias and info.alias != name:
            yield info.alias, name
        for arg in _types_in(info.annotation):
            yield from _aliases(arg, seen)


def _types_in(annotation: Any) -> Iterator[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation
    for arg in getattr(annotation, "__args__", ()):
        yield from _types_in(arg)


ALIASES = dict(alias for kind in Kind for alias in _aliases(DOCUMENT_TYPES[kind]))


def _paths(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    if path:
        yield path
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _paths(item, (*path, index))


def _set(data: Any, path: tuple[Any, ...], value: Any) -> Any:
    copied = copy.deepcopy(data)
    parent = copied
    for item in path[:-1]:
        parent = parent[item]
    parent[path[-1]] = value
    return copied


def _get(data: Any, path: tuple[Any, ...]) -> Any:
    for item in path:
        data = data[item]
    return data


def _mutations(data: dict[str, Any]) -> Iterator[Any]:
    """Every field replaced by each value; every key removed, renamed to its field name; an extra key."""
    yield from (_set(data, path, value) for path in _paths(data) for value in REPLACEMENTS)
    for path in [(), *_paths(data)]:
        mapping = _get(data, path)
        if not isinstance(mapping, dict):
            continue
        edits = [{k: v for k, v in mapping.items() if k != key} for key in mapping]
        edits += [
            {(ALIASES[k] if k == key else k): v for k, v in mapping.items()}
            for key in mapping
            if key in ALIASES
        ]
        edits.append({**mapping, "zz_extra": 1})
        yield from (_set(data, path, edit) if path else edit for edit in edits)


def _seeds() -> list[dict[str, Any]]:
    """One written document of each kind the strict path serves."""
    by_kind: dict[str, dict[str, Any]] = {"SearchPipeline": SEARCH_PIPELINE}
    for raw in _written_documents():
        if isinstance(raw.data, dict) and raw.data.get("kind") in validation.FAST_KINDS:
            by_kind.setdefault(raw.data["kind"], raw.data)
    assert sorted(by_kind) == sorted(validation.FAST_KINDS)
    return list(by_kind.values())


def test_written_and_blueprint_documents_get_the_same_outcome(monkeypatch: pytest.MonkeyPatch) -> None:
    raws = [*_written_documents(), *_blueprint_documents()]
    assert len(raws) > 180
    differences = [diff for raw in raws if (diff := _same(raw, monkeypatch))]
    assert differences == []


def test_valid_written_documents_take_the_strict_path() -> None:
    valid = [raw for raw in _written_documents() if _outcome(raw)[0] is not None]
    strict = [raw for raw in valid if validation.strict_model(Kind(raw.data["kind"]), raw.data) is not None]
    assert len(valid) > 15
    assert len(strict) == len([raw for raw in valid if raw.data["kind"] != Kind.CLUSTER_SETTINGS])


@pytest.mark.parametrize("seed", _seeds(), ids=lambda seed: str(seed["kind"]))
def test_every_mutation_gets_the_same_outcome(monkeypatch: pytest.MonkeyPatch, seed: dict[str, Any]) -> None:
    mutated = list(_mutations(seed))
    differences = [diff for data in mutated if (diff := _same(_raw(data), monkeypatch))]
    assert differences == []
    accepted = sum(1 for data in mutated if _outcome(_raw(data))[0] is not None)
    assert 0 < accepted < len(mutated)  # the corpus holds both kinds of document


def test_aliases_are_found() -> None:
    assert ALIASES == {"apiVersion": "api_version", "model_config": "model_config_", "_meta": "meta"}


def test_field_names_for_aliases_are_refused_like_the_schema_refuses_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seed = _seeds()[0]
    renamed = {("api_version" if key == "apiVersion" else key): value for key, value in seed.items()}
    fast = _outcome(_raw(renamed))
    assert fast[0] is None
    assert [issue.message for issue in fast[1]] == [
        issue.message for issue in _outcome(_raw(renamed), monkeypatch)[1]
    ]
    assert any("apiVersion" in issue.message for issue in fast[1])


# Keywords whose meaning pydantic's strict validation of the same model enforces at least as tightly.
CHECKED_KEYWORDS = {
    "type", "properties", "additionalProperties", "required", "items", "enum", "const", "pattern",
    "minLength", "minItems", "minProperties", "minimum", "anyOf", "oneOf", "discriminator", "$ref", "$defs",
    "default", "description", "title", "examples", "$schema", "$id",
}  # fmt: skip


def _keywords(schema: Any, under_properties: bool = False) -> Iterator[str]:
    if isinstance(schema, list):
        for item in schema:
            yield from _keywords(item)
    elif isinstance(schema, dict):
        for key, value in schema.items():
            if not under_properties:
                yield key
            yield from _keywords(
                value, under_properties=key in ("properties", "$defs") and not under_properties
            )


@pytest.mark.parametrize("kind", sorted(validation.FAST_KINDS))
def test_strict_kinds_use_only_schema_keywords_pydantic_enforces(kind: Kind) -> None:
    used = set(_keywords(build_kind_schema(kind)))
    assert used - CHECKED_KEYWORDS == set()
