"""A tiny Jayway-JsonPath subset for ``response_filter``: ``$``, ``.k``, ``['k']``, ``[n]``, ``[*]``, ``.*``.

Definite paths (no wildcard) return the value or raise ``PathNotFoundError``; indefinite paths
return the list of matches, skipping items where the rest of the path is missing (as Jayway does).
"""

import re
from functools import lru_cache
from typing import Any

from mlgitops.errors import EngineError

_STEP = re.compile(
    r"""\.(?P<key>[A-Za-z_$][\w$-]*)|\.(?P<dotstar>\*)|\[(?P<index>-?\d+)\]|\[(?P<star>\*)\]"""
    r"""|\[\s*'(?P<quoted>[^']*)'\s*\]|\[\s*"(?P<dquoted>[^"]*)"\s*\]"""
)

_WILDCARD = object()


class PathNotFoundError(LookupError):
    """A definite path that does not exist in the document."""


def parse_path(path: str) -> list[object]:
    """The steps of ``path``: str keys, int indexes or the wildcard marker."""
    text = path.strip()
    if not text.startswith("$"):
        raise EngineError(f"Invalid JsonPath (must start with $): {path}")
    steps: list[object] = []
    pos = 1
    while pos < len(text):
        match = _STEP.match(text, pos)
        if match is None:
            raise EngineError(f"Unsupported JsonPath syntax at position {pos}: {path}")
        if match["dotstar"] or match["star"]:
            steps.append(_WILDCARD)
        elif match["index"] is not None:
            steps.append(int(match["index"]))
        else:
            steps.append(match["key"] or match["quoted"] or match["dquoted"] or "")
        pos = match.end()
    return steps


@lru_cache(maxsize=1024)
def _steps(path: str) -> list[object]:
    """``parse_path``, kept per path (connectors use a few fixed paths); callers never change it."""
    return parse_path(path)


def read_path(document: Any, path: str) -> Any:
    """Evaluate ``path`` on ``document`` (parsed JSON)."""
    steps = _steps(path)
    if _WILDCARD not in steps:
        return _walk_definite(document, steps)
    return _walk_indefinite(document, steps)


def _child(node: Any, step: object) -> Any:
    if isinstance(step, int) and isinstance(node, list):
        if -len(node) <= step < len(node):
            return node[step]
    elif isinstance(step, str) and isinstance(node, dict) and step in node:
        return node[step]
    raise PathNotFoundError(step)


def _walk_definite(node: Any, steps: list[object]) -> Any:
    for step in steps:
        node = _child(node, step)
    return node


def _children(node: Any) -> list[Any]:
    if isinstance(node, dict):
        return list(node.values())
    return node if isinstance(node, list) else []


def _walk_indefinite(document: Any, steps: list[object]) -> list[Any]:
    """Every match, in document order, level by level; a branch missing the rest of the path is skipped."""
    nodes = [document]
    for step in steps:
        if step is _WILDCARD:
            nodes = [child for node in nodes for child in _children(node)]
        elif isinstance(step, str):
            nodes = [node[step] for node in nodes if isinstance(node, dict) and step in node]
        else:
            nodes = [node[step] for node in nodes if _has_index(node, step)]
    return nodes


def _has_index(node: Any, step: object) -> bool:
    return isinstance(step, int) and isinstance(node, list) and -len(node) <= step < len(node)
