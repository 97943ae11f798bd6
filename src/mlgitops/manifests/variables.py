"""``${vars.NAME}`` substitution from the project file's variables, before schema validation."""

import difflib
import json
import re
from collections.abc import Mapping
from typing import Any

from mlgitops.manifests.leaves import any_leaf
from mlgitops.manifests.positions import JsonPath, key_text

_VARIABLE = re.compile(r"\$?\$\{vars\.(?P<name>[A-Za-z_][A-Za-z0-9_.-]*)\}")
_EXACT = re.compile(r"^\$\{vars\.(?P<name>[A-Za-z_][A-Za-z0-9_.-]*)\}$")


def _as_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value, separators=(",", ":"))
    return "" if value is None else str(value)


def describe_undefined(name: str, variables: Mapping[str, Any]) -> str:
    """The message for an undefined variable, with the closest defined name when there is one."""
    close = difflib.get_close_matches(name, list(variables), n=1)
    hint = f"; did you mean '{close[0]}'?" if close else ""
    known = ", ".join(sorted(variables)) or "none"
    return (
        f"undefined variable '${{vars.{name}}}'{hint} (defined: {known}); "
        "define it under 'vars' in mlgitops.yaml or the environment"
    )


def substitute_variables(data: Any, variables: Mapping[str, Any]) -> tuple[Any, list[tuple[JsonPath, str]]]:
    """Fill ``${vars.NAME}`` in every string value; returns the new data and (path, name) of undefined ones.

    A string that is exactly ``${vars.NAME}`` takes the variable's value with its type (a boolean
    stays a boolean); inside a longer string the value is inserted as text. ``$${vars.NAME}`` is an
    escape for a literal ``${vars.NAME}``. When no string names a variable, ``data`` itself comes back.
    """
    undefined: list[tuple[JsonPath, str]] = []
    if not _mentions_variables(data):
        return data, undefined
    result = _substitute(data, (), variables, undefined)
    return result, undefined


def _mentions_variables(value: Any) -> bool:
    """True when some string value holds ``${vars.`` (most documents have none: nothing to copy)."""
    return any_leaf(value, lambda leaf: isinstance(leaf, str) and "${vars." in leaf)


def _substitute(
    value: Any, path: JsonPath, variables: Mapping[str, Any], undefined: list[tuple[JsonPath, str]]
) -> Any:
    if isinstance(value, dict):
        return {k: _substitute(v, (*path, key_text(k)), variables, undefined) for k, v in value.items()}
    if isinstance(value, list):
        return [_substitute(v, (*path, i), variables, undefined) for i, v in enumerate(value)]
    if not isinstance(value, str) or "${vars." not in value:
        return value
    exact = _EXACT.match(value)
    if exact is not None:
        name = exact["name"]
        if name in variables:
            return variables[name]
        undefined.append((path, name))
        return value

    def replace(match: re.Match[str]) -> str:
        text = match.group(0)
        if text.startswith("$$"):
            return text[1:]
        name = match["name"]
        if name in variables:
            return _as_text(variables[name])
        undefined.append((path, name))
        return text

    return _VARIABLE.sub(replace, value)
