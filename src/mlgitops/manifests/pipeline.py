"""Files to a ManifestSet: read, fill variables, validate against the schema, then semantic checks."""

import json
import logging
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from mlgitops.manifests.cache import DocumentOutcome, FileOutcome, ManifestCache, file_key, load_context
from mlgitops.manifests.collector import collector_paused
from mlgitops.manifests.documents import ManifestSet, SourcedDocument
from mlgitops.manifests.issues import Issue, sort_issues
from mlgitops.manifests.loading import (
    FileReadError,
    RawDocument,
    find_manifest_files,
    parse_documents,
    read_text,
)
from mlgitops.manifests.positions import JsonPath, format_path, key_text
from mlgitops.manifests.raw_checks import check_raw_strings, raw_credential_issues
from mlgitops.manifests.redaction import looks_secret
from mlgitops.manifests.schema_messages import is_secret_path, type_of
from mlgitops.manifests.semantic import check_documents
from mlgitops.manifests.validation import issue_at, validate_document
from mlgitops.manifests.variables import describe_undefined, substitute_variables
from mlgitops.model.resources import KIND_BY_NAME, ResourceKey

logger = logging.getLogger(__name__)


def load_manifests(
    paths: Sequence[Path],
    *,
    variables: Mapping[str, Any] | None = None,
    allow_plaintext_credentials: bool = False,
    cache: ManifestCache | None = None,
) -> ManifestSet:
    """Load, validate and check every manifest under ``paths``; user mistakes become issues, never raise.

    With a ``cache``, files whose text (and variables, and checking code) did not change since it
    last saw them are not parsed and validated again; the checks across documents always run.
    """
    with collector_paused():
        return _load(paths, variables or {}, allow_plaintext_credentials, cache)


def _load(
    paths: Sequence[Path],
    variables: Mapping[str, Any],
    allow_plaintext_credentials: bool,
    cache: ManifestCache | None,
) -> ManifestSet:
    files, issues = find_manifest_files(paths)
    context = load_context(variables, allow_plaintext_credentials) if cache is not None else ""
    documents: list[SourcedDocument] = []
    written: set[ResourceKey] = set()
    read = 0
    for file in files:
        outcome = _file_outcome(file, variables, allow_plaintext_credentials, cache, context)
        issues.extend(outcome.issues)
        read += outcome.read
        for doc in outcome.documents:
            written.update(doc.declared)
            issues.extend(doc.issues)
            if doc.sourced is not None:
                documents.append(doc.sourced)
    issues.extend(
        check_documents(documents, allow_plaintext_credentials=allow_plaintext_credentials, declared=written)
    )
    logger.debug("loaded %d of %d documents from %d files", len(documents), read, len(files))
    result = ManifestSet(tuple(documents), sort_issues(issues), read)
    if cache is not None:
        # Only results of a load without errors, and never with literal credentials, outlive the process.
        cache.finish(persist=result.ok and not allow_plaintext_credentials)
    return result


def _file_outcome(
    file: Path,
    variables: Mapping[str, Any],
    allow_plaintext: bool,
    cache: ManifestCache | None,
    context: str,
) -> FileOutcome:
    """One file's documents and issues: from the cache when its text was seen, else parsed and checked."""
    try:
        text = read_text(file)
    except FileReadError as exc:
        return FileOutcome((), (Issue(str(file), 0, 0, str(exc)),), 0)
    key = file_key(file, text, context) if cache is not None else ""
    if cache is not None and (cached := cache.get(key, file)) is not None:
        return cached
    logger.debug("parsing %s", file)
    raws, file_issues = parse_documents(text, file)
    read = len(raws) + sum(1 for issue in file_issues if issue.line > 0)  # a document YAML refused
    outcome = FileOutcome(
        tuple(_document(raw, variables, allow_plaintext) for raw in raws), tuple(file_issues), read
    )
    if cache is not None and outcome.ok:
        cache.put(key, outcome)
    return outcome


def _declared_key(data: Any) -> list[ResourceKey]:
    """The identity a document declares, even when it does not validate (so references to it hold)."""
    kind = data.get("kind") if isinstance(data, dict) else None
    if not isinstance(kind, str) or kind not in KIND_BY_NAME:
        return []
    metadata = data.get("metadata")
    name = metadata.get("name") if isinstance(metadata, dict) else None
    return [ResourceKey(KIND_BY_NAME[kind], name)] if isinstance(name, str) else []


def _document(raw: RawDocument, variables: Mapping[str, Any], allow_plaintext: bool) -> DocumentOutcome:
    """The validated document (None when it fails) and every issue; raw-data checks never block it."""
    checked = check_raw_strings(raw)
    sourced, data, issues = _validate(raw, variables)
    if sourced is None and not allow_plaintext:
        issues.extend(raw_credential_issues(raw, data))
    return DocumentOutcome(tuple(_declared_key(raw.data)), sourced, (*issues, *checked), data)


def _validate(
    raw: RawDocument, variables: Mapping[str, Any]
) -> tuple[SourcedDocument | None, Any, list[Issue]]:
    issues = [
        issue_at(raw, path, f"duplicate key '{format_path(path)}' (ML Commons rejects duplicate keys)")
        for path in raw.positions.duplicate_keys
    ]
    issues.extend(_retyped_scalars(raw))
    data, undefined = substitute_variables(raw.data, variables)
    issues.extend(issue_at(raw, path, describe_undefined(name, variables)) for path, name in undefined)
    if undefined:
        return None, data, issues
    document, validation_issues = validate_document(raw, data)
    issues.extend(validation_issues)
    if document is None or any(issue.is_error for issue in issues):
        return None, data, issues
    line, column = raw.positions.start
    return SourcedDocument(document, raw.path, line, column, raw.index, raw.positions), data, issues


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
