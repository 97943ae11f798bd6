"""The only disk reader of the manifests package: find files, parse YAML documents with positions."""

import logging
import os
import re
import stat
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from mlgitops.manifests.issues import Issue
from mlgitops.manifests.positions import MAX_DEPTH, DocumentTooComplexError, Positions, collect_positions
from mlgitops.manifests.yamldata import UnusualError, build_data

logger = logging.getLogger(__name__)

YAML_SUFFIXES = (".yaml", ".yml")
MIB = 1024 * 1024
MAX_FILE_BYTES = 16 * MIB  # far beyond any manifest; parsing more would take minutes
LIBYAML = bool(getattr(yaml, "__with_libyaml__", False))
LIBYAML_MAX_NESTING = 2000  # libyaml's C composer handles tens of thousands; keep far below
_DOCUMENT_MARKER = re.compile(r"^(?:---|\.\.\.)", re.MULTILINE)
_YAML_HINTS = (
    ("'\\t'", "; indent with spaces: YAML does not allow tabs there"),
    ("undefined alias", "; an anchor (&name) must come earlier in the same document (not across ---)"),
)


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
    """Expand files and directories (recursively, ``*.yaml``/``*.yml``, hidden entries skipped).

    Symbolic links to files are read; links to directories are not followed (a warning says so),
    which keeps symlink loops and links out of the tree harmless. A file reached twice is read once.
    """
    files: list[Path] = []
    issues: list[Issue] = []
    for path in paths:
        if path.is_dir():
            found, walk_issues = _walk_directory(path)
            issues.extend(walk_issues)
            if not found and not walk_issues:
                issues.append(
                    Issue(str(path), 0, 0, f"no manifests found in {path} (looked for *.yaml, *.yml)")
                )
            files.extend(found)
        elif path.is_file():
            files.append(path)
        else:
            issues.append(Issue(str(path), 0, 0, _not_readable(path)))
    return _unique_files(files), issues


def _walk_directory(root: Path) -> tuple[list[Path], list[Issue]]:
    files: list[Path] = []
    issues: list[Issue] = []

    def unreadable(exc: OSError) -> None:
        where = exc.filename or root
        issues.append(Issue(str(where), 0, 0, f"cannot read directory: {exc.strerror or exc}"))

    for current, dirs, names in os.walk(root, onerror=unreadable):
        here = Path(current)
        dirs[:] = sorted(name for name in dirs if not name.startswith("."))
        for name in list(dirs):
            if (here / name).is_symlink():
                dirs.remove(name)
                message = f"symbolic link to a directory not followed: {here / name} (pass it as a PATH)"
                issues.append(Issue(str(here / name), 0, 0, message, "warning"))
        for name in names:
            path = here / name
            if name.startswith(".") or path.suffix not in YAML_SUFFIXES:
                continue
            if path.is_file():
                files.append(path)
            else:
                issues.append(Issue(str(path), 0, 0, _not_readable(path)))
    return sorted(files), issues


PROJECT_HINT = "run from the project root (where mlgitops.yaml is) or pass PATH / --config"


def _not_readable(path: Path) -> str:
    if path.exists():
        return f"not a regular file or directory: {path}"
    if path.is_symlink():
        return f"broken symbolic link: {path} (its target is missing or the links loop)"
    if path.suffix in YAML_SUFFIXES:
        return f"no such file or directory: {path}"
    return f"no such file or directory: {path} ({PROJECT_HINT})"


def _unique_files(files: list[Path]) -> list[Path]:
    """``files`` in order, without a second path to the same file (links, ``a/../a``)."""
    seen: set[tuple[int, int]] = set()
    unique: list[Path] = []
    for file in files:
        try:
            info = file.stat()
            identity = (info.st_dev, info.st_ino)
        except OSError:
            identity = (-1, hash(file))
        if identity not in seen:
            seen.add(identity)
            unique.append(file)
    return unique


def read_text(path: Path) -> str:
    """A UTF-8 text file's content; raises FileReadError for missing, unreadable or binary files."""
    try:
        info = path.stat()
        size = info.st_size
        if not stat.S_ISREG(info.st_mode) and not stat.S_ISDIR(info.st_mode):
            raise FileReadError("not a regular file (a device, pipe or socket)")
        if size > MAX_FILE_BYTES:
            raise FileReadError(
                f"file too large ({size / MIB:.1f} MiB; the limit is {MAX_FILE_BYTES // MIB} MiB)"
            )
        raw = path.read_bytes()
    except OSError as exc:
        raise FileReadError(f"cannot read: {exc.strerror or exc}") from exc
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise FileReadError("UTF-16 text (byte order mark); save the file as UTF-8")
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
    """Every non-empty document of a YAML stream; a syntax error stops at that point.

    libyaml (when PyYAML has it) parses the usual, valid files about ten times faster; anything it
    refuses, and anything it might not handle safely, goes through the pure-Python parser, so every
    error message and location is the pure-Python one.
    """
    if LIBYAML and _safe_for_libyaml(text):
        documents = _parse_with_libyaml(text, path)
        if documents is not None:
            return documents, []
    return _parse_with_python(text, path)


def _safe_for_libyaml(text: str) -> bool:
    """No character the pure-Python reader refuses, and no way to nest deep enough to hurt libyaml.

    libyaml's composer recurses in C (no RecursionError, a crash far beyond any manifest): flow
    nesting is bounded by the brackets of one document, block nesting by twice the widest line.
    """
    if yaml.reader.Reader.NON_PRINTABLE.search(text):
        return False
    widest = max(map(len, text.splitlines()), default=0)
    brackets = max(chunk.count("[") + chunk.count("{") for chunk in _DOCUMENT_MARKER.split(text))
    return brackets + 2 * (widest + 1) <= LIBYAML_MAX_NESTING


_PLAIN_TAGS: dict[str, str] = {}  # a plain scalar's implicit tag depends on its text alone
_PLAIN_TAGS_KEPT = 10_000


class _LibyamlLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """libyaml's safe loader, remembering the tag each short plain scalar resolves to (keys, words)."""

    def resolve(self, kind: type[yaml.Node], value: str, implicit: tuple[bool, bool]) -> str:
        if kind is not yaml.ScalarNode or not implicit[0] or len(value) > 64:
            return super().resolve(kind, value, implicit)  # type: ignore[no-any-return]
        tag = _PLAIN_TAGS.get(value)
        if tag is None:
            tag = super().resolve(kind, value, implicit)
            if len(_PLAIN_TAGS) < _PLAIN_TAGS_KEPT:
                _PLAIN_TAGS[value] = tag
        return tag


def _parse_with_libyaml(text: str, path: Path) -> list[RawDocument] | None:
    """The documents as libyaml reads them, or None when it finds any problem."""
    loader = _LibyamlLoader(text)
    documents: list[RawDocument] = []
    try:
        index = 0
        while loader.check_node():
            node = loader.get_node()
            if node is not None:
                positions = collect_positions(node)
                data = _construct(loader, node)
                if data is not None:
                    documents.append(RawDocument(path, index, data, positions))
            index += 1
    except (yaml.YAMLError, RecursionError, ValueError, TypeError, OverflowError):
        return None
    finally:
        loader.dispose()
    return documents


def _construct(loader: yaml.CSafeLoader, node: yaml.Node) -> Any:
    """The document's data: built directly when it is plain, else by the safe constructor."""
    try:
        return build_data(loader, node)
    except UnusualError:
        return loader.construct_document(node)


def _parse_with_python(text: str, path: Path) -> tuple[list[RawDocument], list[Issue]]:
    """PyYAML's pure-Python parser: slower, with the error messages and marks users see."""
    try:
        loader = yaml.SafeLoader(text)  # the reader checks every character up front
    except yaml.reader.ReaderError as exc:
        return [], [_reader_issue(exc, text, path)]
    documents: list[RawDocument] = []
    index = 0
    node: yaml.Node | None = None
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
        line, column = exc.mark
        return documents, [Issue(str(path), line, column, f"document too complex: {exc}", document=index)]
    except RecursionError:
        mark = loader.get_mark()
        message = f"document too complex: nested too deeply to parse (more than {MAX_DEPTH} levels)"
        return documents, [Issue(str(path), mark.line + 1, mark.column + 1, message, document=index)]
    except yaml.MarkedYAMLError as exc:
        return documents, [_yaml_issue(exc, path, index)]
    except (ValueError, TypeError, OverflowError):  # a tagged or dated scalar that cannot be built
        line, column, tag = _failing_scalar(loader, node) if node is not None else (1, 1, "value")
        message = f"invalid YAML: this value cannot be read as a {tag}; write a quoted string for text"
        return documents, [Issue(str(path), line, column, message, document=index)]
    finally:
        loader.dispose()
    return documents, []


def _failing_scalar(loader: yaml.SafeLoader, root: yaml.Node) -> tuple[int, int, str]:
    """Line, column and tag of the scalar whose constructor fails (the document start if none does)."""
    pending = [root]
    seen: set[int] = set()
    while pending:
        node = pending.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, yaml.ScalarNode):
            try:
                loader.construct_object(node, deep=True)
            except (ValueError, TypeError, OverflowError, yaml.YAMLError):
                return node.start_mark.line + 1, node.start_mark.column + 1, node.tag.rpartition(":")[2]
        elif isinstance(node, yaml.MappingNode):
            pending.extend(n for pair in reversed(node.value) for n in reversed(pair))
        elif isinstance(node, yaml.SequenceNode):
            pending.extend(reversed(node.value))
    return root.start_mark.line + 1, root.start_mark.column + 1, "value"


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
    hint = next((text for clue, text in _YAML_HINTS if clue in problem), "")
    return Issue(str(path), line, column, f"invalid YAML: {problem}{context}{hint}", document=index)


def read_manifest_file(path: Path) -> tuple[list[RawDocument], list[Issue]]:
    """Read and parse one manifest file; problems come back as issues, never exceptions."""
    try:
        text = read_text(path)
    except FileReadError as exc:
        return [], [Issue(str(path), 0, 0, str(exc))]
    logger.debug("parsing %s", path)
    return parse_documents(text, path)


def read_yaml_file(path: Path) -> tuple[Any, Positions | None]:
    """The single YAML document of ``path`` (project files); raises FileReadError naming the place."""
    try:
        text = read_text(path)
    except FileReadError as exc:
        raise FileReadError(f"{path}: {exc}") from exc
    documents, issues = parse_documents(text, path)
    if issues:
        issue = issues[0]
        raise FileReadError(f"{path}:{issue.line}:{issue.column}: {issue.message}")
    if not documents:
        return None, None
    if len(documents) > 1:
        raise FileReadError(f"{path}: expected one YAML document, found {len(documents)}")
    return documents[0].data, documents[0].positions
