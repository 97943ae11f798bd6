"""JSON paths inside a document and the YAML line/column where each field is written."""

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import yaml

PathItem = str | int
JsonPath = tuple[PathItem, ...]

MAX_NODES = 100_000
MAX_DEPTH = 64
_STR_TAG = "tag:yaml.org,2002:str"
_TRUE_WORDS = frozenset({"yes", "true", "on"})
_PLAIN_INT = re.compile(r"[-+]?(0|[1-9][0-9]*)")
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")
_TOKEN = re.compile(
    r'\.(?P<name>[A-Za-z_][A-Za-z0-9_-]*)|\[(?P<index>\d+)\]|\[(?P<quoted>"(?:[^"\\]|\\.)*")\]'
)


def format_path(path: Iterable[PathItem]) -> str:
    """``("spec", "actions", 0, "url")`` -> ``spec.actions[0].url``; odd keys as ``["a.b"]``."""
    out: list[str] = []
    for item in path:
        if isinstance(item, int):
            out.append(f"[{item}]")
        elif _IDENTIFIER.match(item):
            out.append(f".{item}" if out else item)
        else:
            escaped = item.replace("\\", "\\\\").replace('"', '\\"')
            out.append(f'["{escaped}"]')
    return "".join(out)


def parse_path(text: str) -> JsonPath:
    """The inverse of :func:`format_path` (a leading ``$`` is accepted); unparsable tails are dropped."""
    body = text[1:] if text.startswith("$") else text
    if body and not body.startswith((".", "[")):
        body = "." + body
    items: list[PathItem] = []
    pos = 0
    while pos < len(body) and (match := _TOKEN.match(body, pos)):
        if match["name"] is not None:
            items.append(match["name"])
        elif match["index"] is not None:
            items.append(int(match["index"]))
        else:
            items.append(match["quoted"][1:-1].replace('\\"', '"').replace("\\\\", "\\"))
        pos = match.end()
    return tuple(items)


class DocumentTooComplexError(ValueError):
    """A document with recursive aliases, too many nodes once aliases are expanded, or too deep."""

    def __init__(self, message: str, node: yaml.Node) -> None:
        super().__init__(message)
        self.mark = _mark(node)


@dataclass(frozen=True)
class Positions:
    """1-based line/column of every field of one document (the key for mapping entries)."""

    start: tuple[int, int]
    marks: Mapping[JsonPath, tuple[int, int]] = field(default_factory=dict)
    duplicate_keys: tuple[JsonPath, ...] = ()
    retyped: tuple[tuple[JsonPath, str], ...] = ()  # unquoted scalars YAML 1.1 reads as another value

    def locate(self, path: JsonPath) -> tuple[int, int]:
        """Position of ``path``, or of its closest ancestor that exists in the YAML."""
        for end in range(len(path), 0, -1):
            mark = self.marks.get(path[:end])
            if mark is not None:
                return mark
        return self.start


def key_text(key: object) -> str:
    """A mapping key as a path item, spelled as YAML writes it (``null``, ``true``, ``1``)."""
    if key is None:
        return "null"
    if isinstance(key, bool):
        return "true" if key else "false"
    return str(key)


def _node_key(node: yaml.Node) -> str:
    if not isinstance(node, yaml.ScalarNode):
        return repr(node.value)
    if node.tag == "tag:yaml.org,2002:null":
        return "null"
    if node.tag == "tag:yaml.org,2002:bool":
        return "true" if str(node.value).lower() in _TRUE_WORDS else "false"
    return str(node.value)


def _mark(node: yaml.Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


def collect_positions(root: yaml.Node) -> Positions:
    """Walk a composed YAML node and record where each field starts.

    Raises DocumentTooComplexError for recursive aliases, alias bombs (more than MAX_NODES nodes) or
    nesting deeper than MAX_DEPTH (later steps recurse over the data).
    """
    found = _Found()
    _walk(root, (), found, ())
    return Positions(_mark(root), found.marks, tuple(found.duplicates), tuple(found.retyped))


@dataclass
class _Found:
    marks: dict[JsonPath, tuple[int, int]] = field(default_factory=dict)
    duplicates: list[JsonPath] = field(default_factory=list)
    retyped: list[tuple[JsonPath, str]] = field(default_factory=list)


def _read_as_another_value(node: yaml.ScalarNode) -> bool:
    """A plain scalar YAML 1.1 turns into a boolean or number that does not print back as written."""
    if node.style or node.tag == _STR_TAG:  # quoted or block (plain is None or ""), or text anyway
        return False
    text, tag = str(node.value), node.tag.rpartition(":")[2]
    if tag == "bool":
        return text.lower() not in ("true", "false")
    if tag == "int":
        return _PLAIN_INT.fullmatch(text) is None
    if tag == "float":
        try:
            return repr(float(text.replace("_", ""))) != text
        except ValueError:
            return True
    return False


def _walk(node: yaml.Node, path: JsonPath, found: _Found, ancestors: tuple[int, ...]) -> None:
    marks = found.marks
    if id(node) in ancestors:
        raise DocumentTooComplexError(f"recursive alias at line {_mark(node)[0]}", node)
    if len(marks) > MAX_NODES:
        raise DocumentTooComplexError(f"more than {MAX_NODES} values once aliases are expanded", node)
    if len(ancestors) > MAX_DEPTH:
        raise DocumentTooComplexError(f"nested more than {MAX_DEPTH} levels deep", node)
    ancestors = (*ancestors, id(node))
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = _node_key(key_node)
            child = (*path, key)
            if key in seen:
                found.duplicates.append(child)
            seen.add(key)
            marks[child] = _mark(key_node)
            _walk(value_node, child, found, ancestors)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            child = (*path, index)
            marks[child] = _mark(item)
            _walk(item, child, found, ancestors)
    elif isinstance(node, yaml.ScalarNode) and _read_as_another_value(node):
        found.retyped.append((path, str(node.value)))
