"""``${parameters.x}`` / ``${credential.y}`` templates with Apache commons-text StringSubstitutor semantics.

ML Commons fills connector templates with ``new StringSubstitutor(values, "${parameters.", "}")``: a
``:-`` default (``${parameters.x:-fallback}``), ``$`` as escape (``$${parameters.x}`` stays literal),
recursive resolution of substituted values, and unknown variables left verbatim.
"""

import re
from collections.abc import Mapping
from functools import lru_cache
from typing import NamedTuple

PARAMETERS = "parameters"
CREDENTIAL = "credential"

_PLACEHOLDER = re.compile(r"(?<!\$)\$\{(?P<namespace>parameters|credential)\.(?P<body>[^}]*)\}")
_MAX_DEPTH = 32


class Placeholder(NamedTuple):
    """One ``${namespace.name}`` occurrence in a template."""

    namespace: str
    name: str
    default: str | None
    start: int

    @property
    def text(self) -> str:
        """The placeholder as written."""
        tail = "" if self.default is None else f":-{self.default}"
        return "${" + f"{self.namespace}.{self.name}{tail}" + "}"


def find_placeholders(template: str, namespace: str | None = None) -> list[Placeholder]:
    """Every unescaped placeholder in ``template``, optionally only those of one namespace."""
    if "${" not in template:
        return []
    return [found for found in _placeholders(template) if namespace is None or found.namespace == namespace]


@lru_cache(maxsize=4096)  # thousands of connectors share a few templates
def _placeholders(template: str) -> tuple[Placeholder, ...]:
    found: list[Placeholder] = []
    for match in _PLACEHOLDER.finditer(template):
        name, sep, default = match["body"].partition(":-")
        found.append(Placeholder(match["namespace"], name, default if sep else None, match.start()))
    return tuple(found)


def substitute(template: str, namespace: str, values: Mapping[str, str]) -> str:
    """Fill ``${namespace.x}`` placeholders from ``values``, leaving unknown ones verbatim."""
    return _substitute(template, namespace, values, depth=0, resolving=())


def _substitute(
    template: str, namespace: str, values: Mapping[str, str], depth: int, resolving: tuple[str, ...]
) -> str:
    prefix = "${" + namespace + "."
    out: list[str] = []
    pos = 0
    while True:
        start = template.find(prefix, pos)
        if start < 0:
            out.append(template[pos:])
            return "".join(out)
        if start > 0 and template[start - 1] == "$":
            out.append(template[pos : start - 1])
            out.append(prefix)
            pos = start + len(prefix)
            continue
        end = template.find("}", start + len(prefix))
        if end < 0:
            out.append(template[pos:])
            return "".join(out)
        out.append(template[pos:start])
        body = template[start + len(prefix) : end]
        out.append(_resolve(body, template[start : end + 1], namespace, values, depth, resolving))
        pos = end + 1


def _resolve(
    body: str, literal: str, namespace: str, values: Mapping[str, str], depth: int, resolving: tuple[str, ...]
) -> str:
    name, sep, default = body.partition(":-")
    if name in values:
        value = str(values[name])
        if name in resolving or depth >= _MAX_DEPTH or "${" + namespace + "." not in value:
            return value  # nothing in it to resolve (or no further resolving allowed)
        return _substitute(value, namespace, values, depth + 1, (*resolving, name))
    if sep:
        return default
    return literal
