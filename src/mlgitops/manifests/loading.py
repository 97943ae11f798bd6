"""The only disk reader of the manifests package: find files, parse YAML documents with positions."""

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from mlgitops.manifests.issues import Issue
from mlgitops.manifests.positions import DocumentTooComplexError, Positions, collect_positions

logger = logging.getLogger(__name__)

YAML_SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True)
class RawDocument:
    """One non-empty YAML document as parsed, before validation."""

    path: Path
    index: int
    data: Any
    positions: Positions


class FileReadError(Exception):
    """A file that cannot be read as UTF-8 text; the message says why (never its content)."""


def find_manifest_files(paths: Sequence[Path]) -> tuple[list[Path], list[Issue]]:
    """Expand files and directories (recursively, ``*.yaml``/``*.yml``, hidden entries skipped)."""
    files: list[Path] = []
    issues: list[Issue] = []
    for path in paths:
        if path.is_dir():
            found = sorted(
                p
                for p in path.rglob("*")
                if p.suffix in YAML_SUFFIXES
                and p.is_file()
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
            )
            if not found:
                issues.append(
                    Issue(str(path), 0, 0, f"no manifests found in {path} (looked for *.yaml, *.yml)")
                )
            files.extend(found)
        elif path.is_file():
            files.append(path)
        else:
            issues.append(Issue(str(path), 0, 0, f"no such file or directory: {path}"))
    return list(dict.fromkeys(files)), issues


def read_text(path: Path) -> str:
    """A UTF-8 text file's content; raises FileReadError for missing, unreadable or binary files."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise FileReadError(f"cannot read: {exc.strerror or exc}") from exc
    if b"\x00" in raw:
        line = raw[: raw.index(b"\x00")].count(b"\n") + 1
        raise FileReadError(f"binary file (NUL byte on line {line}), not YAML text")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise FileReadError(
            f"not UTF-8 text (byte 0x{raw[exc.start]:02x} on line {line}); save the file as UTF-8"
        ) from exc


def parse_documents(text: str, path: Path) -> tuple[list[RawDocument], list[Issue]]:
    """Every non-empty document of a YAML stream; a syntax error stops at that point."""
    try:
        loader = yaml.SafeLoader(text)  # the reader checks every character up front
    except yaml.reader.ReaderError as exc:
        return [], [_reader_issue(exc, text, path)]
    documents: list[RawDocument] = []
    index = 0
    try:
        while loader.check_node():
            node = loader.get_node()
            if node is not None:
                positions = collect_positions(node)  # first: it refuses alias bombs and cycles
                data = loader.construct_document(node)
                if data is not None:
                    documents.append(RawDocument(path, index, data, positions))
            index += 1
    except DocumentTooComplexError as exc:
        return documents, [Issue(str(path), 1, 1, f"document too complex: {exc}", document=index)]
    except yaml.MarkedYAMLError as exc:
        return documents, [_yaml_issue(exc, path, index)]
    finally:
        loader.dispose()
    return documents, []


def _reader_issue(exc: yaml.reader.ReaderError, text: str, path: Path) -> Issue:
    before = text[: exc.position]
    line = before.count("\n") + 1
    column = exc.position - (before.rfind("\n") + 1) + 1
    code = exc.character if isinstance(exc.character, int) else ord(exc.character)
    return Issue(
        str(path), line, column, f"invalid YAML: character U+{code:04X} is not allowed ({exc.reason})"
    )


def _yaml_issue(exc: yaml.MarkedYAMLError, path: Path, index: int) -> Issue:
    mark = exc.problem_mark or exc.context_mark
    line, column = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
    problem = exc.problem or "syntax error"
    context = f" ({exc.context})" if exc.context else ""
    return Issue(str(path), line, column, f"invalid YAML: {problem}{context}", document=index)


def read_manifest_file(path: Path) -> tuple[list[RawDocument], list[Issue]]:
    """Read and parse one manifest file; problems come back as issues, never exceptions."""
    try:
        text = read_text(path)
    except FileReadError as exc:
        return [], [Issue(str(path), 0, 0, str(exc))]
    logger.debug("parsing %s", path)
    return parse_documents(text, path)


def read_yaml_file(path: Path) -> tuple[Any, Positions | None]:
    """The single YAML document of ``path`` (project files); raises FileReadError or yaml.YAMLError."""
    documents, issues = parse_documents(read_text(path), path)
    if issues:
        raise FileReadError(issues[0].format())
    if not documents:
        return None, None
    if len(documents) > 1:
        raise FileReadError(f"{path}: expected one YAML document, found {len(documents)}")
    return documents[0].data, documents[0].positions
