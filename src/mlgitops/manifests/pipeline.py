"""Files to a ManifestSet: read, fill variables, validate against the schema, then semantic checks."""

import json
import logging
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from mlgitops.manifests.collector import collector_paused
from mlgitops.manifests.documents import ManifestSet, SourcedDocument
from mlgitops.manifests.issues import Issue, sort_issues
from mlgitops.manifests.loading import RawDocument, find_manifest_files, read_manifest_file
from mlgitops.manifests.positions import JsonPath, format_path, key_text
from mlgitops.manifests.raw_checks import check_raw_strings, raw_credential_issues
from mlgitops.manifests.redaction import looks_secret
from mlgitops.manifests.schema_messages import is_secret_path, type_of
from mlgitops.manifests.semantic import check_documents
from mlgitops.manifests.validation import issue_at, validate_document
from mlgitops.manifests.variables import describe_undefined, substitute_variables
from mlgitops.model.resources import Kind, ResourceKey

logger = logging.getLogger(__name__)


def load_manifests(
    paths: Sequence[Path],
    *,
    variables: Mapping[str, Any] | None = None,
    allow_plaintext_credentials: bool = False,
) -> ManifestSet:
    """Load, validate and check every manifest under ``paths``; user mistakes become issues, never raise."""
    with collector_paused():
        return _load(paths, variables or {}, allow_plaintext_credentials)


def _load(
    paths: Sequence[Path], variables: Mapping[str, Any], allow_plaintext_credentials: bool
) -> ManifestSet:
    files, issues = find_manifest_files(paths)
    documents: list[SourcedDocument] = []
    written: set[ResourceKey] = set()
    read = 0
    for file in files:
        raws, file_issues = read_manifest_file(file)
        issues.extend(file_issues)
        read += len(raws) + sum(1 for issue in file_issues if issue.line > 0)  # a document YAML refused
        for raw in raws:
            written.update(_declared_key(raw.data))
            sourced, doc_issues = _build(raw, variables, allow_plaintext_credentials)
            issues.extend(doc_issues)
            if sourced is not None:
                documents.append(sourced)
    issues.extend(
        check_documents(documents, allow_plaintext_credentials=allow_plaintext_credentials, declared=written)
    )
    logger.debug("loaded %d of %d documents from %d files", len(documents), read, len(files))
    return ManifestSet(tuple(documents), sort_issues(issues), read)


def _declared_key(data: Any) -> list[ResourceKey]:
    """The identity a document declares, even when it does not validate (so references to it hold)."""
    kind = data.get("kind") if isinstance(data, dict) else None
    if not isinstance(kind, str) or kind not in {k.value for k in Kind}:
        return []
    metadata = data.get("metadata")
    name = metadata.get("name") if isinstance(metadata, dict) else None
    return [ResourceKey(Kind(data["kind"]), name)] if isinstance(name, str) else []


def _build(
    raw: RawDocument, variables: Mapping[str, Any], allow_plaintext: bool
) -> tuple[SourcedDocument | None, list[Issue]]:
    """The validated document (None when it fails) and every issue; raw-data checks never block it."""
    checked = check_raw_strings(raw)
    sourced, issues = _validate(raw, variables)
    if sourced is None and not allow_plaintext:
        data, _ = substitute_variables(raw.data, variables)
        issues.extend(raw_credential_issues(raw, data))
    return sourced, [*issues, *checked]


def _validate(raw: RawDocument, variables: Mapping[str, Any]) -> tuple[SourcedDocument | None, list[Issue]]:
    issues = [
        issue_at(raw, path, f"duplicate key '{format_path(path)}' (ML Commons rejects duplicate keys)")
        for path in raw.positions.duplicate_keys
    ]
    issues.extend(_retyped_scalars(raw))
    data, undefined = substitute_variables(raw.data, variables)
    issues.extend(issue_at(raw, path, describe_undefined(name, variables)) for path, name in undefined)
    if undefined:
        return None, issues
    document, validation_issues = validate_document(raw, data)
    issues.extend(validation_issues)
    if document is None or any(issue.is_error for issue in issues):
        return None, issues
    line, column = raw.positions.start
    return SourcedDocument(document, raw.path, line, column, raw.index, raw.positions), issues


def _retyped_scalars(raw: RawDocument) -> Iterator[Issue]:
    """Warn where YAML 1.1 silently turns text into another value (``no``, ``1.10``, ``0123``).

    Only in places that keep any value as text (connector parameters, versions, rate limits); typed
    fields report a wrong type anyway. Secret-looking places are never quoted.
    """
    for path, text in raw.positions.retyped:
        free_form = "parameters" in path or path[-1:] in (("version",), ("limit",))
        last = path[-1] if path else ""
        if not free_form or is_secret_path(path) or (isinstance(last, str) and looks_secret(last)):
            continue
        value = _value_at(raw.data, path)
        shown = json.dumps(value) if isinstance(value, bool) else repr(value)
        message = (
            f"unquoted {text} is read as the {type_of(value)} {shown} (YAML 1.1); "
            f'write "{text}" if you mean the text'
        )
        yield issue_at(raw, path, message, "warning")


def _value_at(data: Any, path: JsonPath) -> Any:
    for item in path:
        if isinstance(data, dict):
            data = next((v for k, v in data.items() if key_text(k) == item), None)
        elif isinstance(data, list) and isinstance(item, int) and item < len(data):
            data = data[item]
        else:
            return None
    return data
