"""File results of the manifest cache on disk: one JSON file per result, checked before any use.

Each file holds a header line (format, key, sha256 of the body) and the body, one JSON value per line:
the file's issues and each document's identity, issues and start; then per document the data it was
validated from (credentials are ``{env: NAME}`` / ``{file: path}`` references; results of loads that
allow literal credentials are never stored) and where each field was written (decoded only when a
message needs a position). A file that is missing, truncated, altered, written by another format or
for another key is ignored, and every document read back is validated again through its model before
it is used.
"""

import contextlib
import hashlib
import json
import logging
import os
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, cast

from pydantic import ValidationError as PydanticValidationError

from mlgitops.manifests.cache import DocumentOutcome, FileOutcome, ManifestCache
from mlgitops.manifests.documents import SourcedDocument
from mlgitops.manifests.issues import Issue
from mlgitops.manifests.loading import RawDocument
from mlgitops.manifests.positions import JsonPath, Positions
from mlgitops.manifests.validation import FAST_KINDS, validate_document
from mlgitops.model.resources import DOCUMENT_TYPES, KIND_BY_NAME, Document, ResourceKey

logger = logging.getLogger(__name__)

FORMAT = "mlgitops-manifest-cache/2"
MAX_ENTRY_BYTES = 64 * 1024 * 1024
_FAST_MODELS = {kind.value: DOCUMENT_TYPES[kind] for kind in FAST_KINDS}
_UNUSABLE = (ValueError, TypeError, KeyError, IndexError, AttributeError, RecursionError)


CACHE_DIR_ENV = "MLGITOPS_CACHE_DIR"
_OFF = ("", "off", "0", "none")


def default_directory(environ: Mapping[str, str]) -> Path | None:
    """Where the CLI keeps file results: ``$MLGITOPS_CACHE_DIR/manifests``, else under the user's cache.

    ``$XDG_CACHE_HOME/mlgitops/manifests`` (default ``~/.cache``); ``MLGITOPS_CACHE_DIR=off`` keeps
    nothing on disk. Deleting the directory is always safe.
    """
    chosen = environ.get(CACHE_DIR_ENV)
    if chosen is not None:
        return None if chosen.strip().lower() in _OFF else Path(chosen) / "manifests"
    base = environ.get("XDG_CACHE_HOME") or ""
    if Path(base).is_absolute():
        return Path(base) / "mlgitops" / "manifests"
    home = environ.get("HOME") or ""
    return Path(home) / ".cache" / "mlgitops" / "manifests" if Path(home).is_absolute() else None


def open_cache(environ: Mapping[str, str]) -> ManifestCache:
    """A cache backed by ``default_directory`` (memory only when there is none)."""
    directory = default_directory(environ)
    return ManifestCache(DirectoryStore(directory) if directory is not None else None)


class DirectoryStore:
    """Results as ``<key>.json`` files in one directory (created owner-only on first write)."""

    def __init__(self, directory: Path) -> None:
        """A store in ``directory``; nothing is created until a result is written."""
        self.directory = directory

    def read(self, key: str, path: Path) -> FileOutcome | None:
        """The result stored for ``key`` (the file ``path``), or None when there is no usable one."""
        try:
            with (self.directory / f"{key}.json").open("rb") as stream:
                content = stream.read(MAX_ENTRY_BYTES + 1)
        except OSError:
            return None
        if len(content) > MAX_ENTRY_BYTES:
            return None
        try:
            return _decode(content, key, path)
        except _UNUSABLE as exc:
            logger.debug("ignoring the cached result %s: %s", key, exc)
            return None

    def prune(self, keep: int) -> None:
        """Delete all but the ``keep`` newest results (entries of files since edited pile up otherwise)."""
        try:
            entries = [entry for entry in os.scandir(self.directory) if entry.name.endswith(".json")]
            if len(entries) <= keep:
                return
            entries.sort(key=lambda entry: entry.stat().st_mtime_ns, reverse=True)
            for entry in entries[keep:]:
                Path(entry.path).unlink(missing_ok=True)
        except OSError as exc:
            logger.debug("cannot prune the manifest cache in %s: %s", self.directory, exc)

    def write(self, key: str, outcome: FileOutcome) -> None:
        """Store ``outcome`` atomically (a temporary file renamed into place); errors are only logged."""
        try:
            content = _encode(key, outcome)
        except _UNUSABLE as exc:
            logger.debug("not caching %s: %s", key, exc)
            return
        try:
            self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=self.directory, prefix=".", suffix=".tmp")
            try:
                with os.fdopen(handle, "wb") as stream:
                    stream.write(content)
                Path(temporary).replace(self.directory / f"{key}.json")
            except BaseException:
                with contextlib.suppress(OSError):
                    Path(temporary).unlink()
                raise
        except OSError as exc:
            logger.debug("cannot write the manifest cache in %s: %s", self.directory, exc)


def _encode(key: str, outcome: FileOutcome) -> bytes:
    meta = {
        "read": outcome.read,
        "issues": [issue.as_dict() for issue in outcome.issues],
        "documents": [_document_meta(doc) for doc in outcome.documents],
    }
    lines = [_json_line(meta)]
    for doc in outcome.documents:
        lines.append(_json_line(doc.data))
        lines.append(_json_line(_marks_of(doc.sourced.positions if doc.sourced is not None else None)))
    body = b"\n".join(lines)
    header = {"format": FORMAT, "key": key, "sha256": hashlib.sha256(body).hexdigest()}
    return json.dumps(header).encode() + b"\n" + body


def _json_line(value: Any) -> bytes:
    """Compact JSON on one line (JSON escapes every line break inside strings)."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode()


def _document_meta(doc: DocumentOutcome) -> dict[str, Any]:
    sourced = doc.sourced
    if sourced is None or sourced.positions is None:
        raise ValueError("only valid documents are stored")
    positions = sourced.positions
    return {
        "declared": [[key.kind.value, key.name] for key in doc.declared],
        "issues": [issue.as_dict() for issue in doc.issues],
        "kind": sourced.kind.value,
        "index": sourced.index,
        "start": list(positions.start),
        "duplicates": [list(path) for path in positions.duplicate_keys],
        "retyped": [[list(path), text] for path, text in positions.retyped],
    }


def _marks_of(positions: Positions | None) -> list[list[Any]]:
    if positions is None:
        raise ValueError("only valid documents are stored")
    return [[line, column, *path] for path, (line, column) in positions.marks.items()]


def _decode(content: bytes, key: str, path: Path) -> FileOutcome | None:
    header_line, _, body = content.partition(b"\n")
    header = json.loads(header_line)
    if header.get("format") != FORMAT or header.get("key") != key:
        return None
    if header.get("sha256") != hashlib.sha256(body).hexdigest():
        return None
    lines = body.split(b"\n")
    meta = json.loads(lines[0])
    items = meta["documents"]
    if len(lines) != 1 + 2 * len(items):
        return None
    documents = []
    for number, item in enumerate(items):
        document = _decode_document(item, lines[1 + 2 * number], lines[2 + 2 * number], path)
        if document is None:
            return None
        documents.append(document)
    return FileOutcome(tuple(documents), _issues(meta["issues"]), int(meta["read"]))


def _decode_document(item: dict[str, Any], data: bytes, marks: bytes, path: Path) -> DocumentOutcome | None:
    """One stored document, validated again through its model before any use."""
    start, duplicates, retyped = item["start"], item["duplicates"], item["retyped"]
    line, column, index = int(start[0]), int(start[1]), int(item["index"])
    positions = Positions(
        (line, column),
        _Marks(marks),
        tuple(tuple(found) for found in duplicates) if duplicates else (),
        tuple((tuple(found), str(text)) for found, text in retyped) if retyped else (),
    )
    document = _validated(item["kind"], data, path, index, positions)
    if document is None:
        return None
    sourced = SourcedDocument(document, path, line, column, index, positions)
    declared = tuple(_declared(sourced.key, kind, name) for kind, name in item["declared"])
    return DocumentOutcome(declared, sourced, _issues(item["issues"]))  # never stored again: no data kept


def _declared(key: ResourceKey, kind: Any, name: Any) -> ResourceKey:
    """A stored declared identity; the document's own key when it is that one (the usual case)."""
    if key.kind == kind and key.name == name:
        return key
    return ResourceKey(KIND_BY_NAME[kind], str(name))


def _validated(kind: Any, data: bytes, path: Path, index: int, positions: Positions) -> Document | None:
    """The document's model, or None when the stored data does not validate without any issue.

    Strict and by alias, pydantic's own JSON parser builds the model straight from the stored text;
    what it refuses (a kind that takes the full path, a lax-only value) goes through the full check.
    """
    model = _FAST_MODELS.get(kind) if isinstance(kind, str) else None
    if model is not None:
        try:
            return cast(Document, model.model_validate_json(data, strict=True, by_alias=True, by_name=False))
        except PydanticValidationError:
            pass
    raw = RawDocument(path, index, None, positions)
    document, problems = validate_document(raw, json.loads(data), decoded_json=True)
    return None if problems else document


class _Marks(Mapping[JsonPath, tuple[int, int]]):
    """Where each field is written, decoded on first use (most loads never report a position)."""

    def __init__(self, stored: bytes) -> None:
        self._stored: bytes | None = stored
        self._marks: dict[JsonPath, tuple[int, int]] = {}

    def _decoded(self) -> dict[JsonPath, tuple[int, int]]:
        if self._stored is not None:
            try:
                marks = json.loads(self._stored)
                self._marks = {tuple(mark[2:]): (int(mark[0]), int(mark[1])) for mark in marks}
            except _UNUSABLE:  # an altered entry: positions fall back to the document's start
                logger.debug("ignoring malformed positions in the manifest cache")
            self._stored = None
        return self._marks

    def __getitem__(self, path: JsonPath) -> tuple[int, int]:
        return self._decoded()[path]

    def __iter__(self) -> Iterator[JsonPath]:
        return iter(self._decoded())

    def __len__(self) -> int:
        return len(self._decoded())


def _issues(items: list[dict[str, Any]]) -> tuple[Issue, ...]:
    if not items:
        return ()
    issues = tuple(Issue(**item) for item in items)
    if any(issue.severity not in ("error", "warning") for issue in issues):
        raise ValueError("unknown severity")
    return issues
