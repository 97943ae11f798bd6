"""Files to a ManifestSet: read, fill variables, validate against the schema, then semantic checks."""

import logging
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from mlgitops.manifests.documents import ManifestSet, SourcedDocument
from mlgitops.manifests.issues import Issue, sort_issues
from mlgitops.manifests.loading import RawDocument, find_manifest_files, read_manifest_file
from mlgitops.manifests.positions import format_path
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
    files, issues = find_manifest_files(paths)
    documents: list[SourcedDocument] = []
    written: set[ResourceKey] = set()
    for file in files:
        raws, file_issues = read_manifest_file(file)
        issues.extend(file_issues)
        for raw in raws:
            written.update(_declared_key(raw.data))
            sourced, doc_issues = _build(raw, variables or {})
            issues.extend(doc_issues)
            if sourced is not None:
                documents.append(sourced)
    issues.extend(
        check_documents(documents, allow_plaintext_credentials=allow_plaintext_credentials, declared=written)
    )
    logger.debug("loaded %d documents from %d files, %d issues", len(documents), len(files), len(issues))
    return ManifestSet(tuple(documents), sort_issues(issues))


def _declared_key(data: Any) -> list[ResourceKey]:
    """The identity a document declares, even when it does not validate (so references to it hold)."""
    if not isinstance(data, dict) or data.get("kind") not in {kind.value for kind in Kind}:
        return []
    metadata = data.get("metadata")
    name = metadata.get("name") if isinstance(metadata, dict) else None
    return [ResourceKey(Kind(data["kind"]), name)] if isinstance(name, str) else []


def _build(raw: RawDocument, variables: Mapping[str, Any]) -> tuple[SourcedDocument | None, list[Issue]]:
    issues = [
        issue_at(raw, path, f"duplicate key '{format_path(path)}' (ML Commons rejects duplicate keys)")
        for path in raw.positions.duplicate_keys
    ]
    data, undefined = substitute_variables(raw.data, variables)
    issues.extend(issue_at(raw, path, describe_undefined(name, variables)) for path, name in undefined)
    if undefined:
        return None, issues
    document, validation_issues = validate_document(raw, data)
    issues.extend(validation_issues)
    if document is None or issues:
        return None, issues
    line, column = raw.positions.start
    return SourcedDocument(document, raw.path, line, column, raw.index, raw.positions), issues
