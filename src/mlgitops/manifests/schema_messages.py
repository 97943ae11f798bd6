"""Turn jsonschema errors into one clear message per problem, located at the offending field."""

import difflib
from collections.abc import Iterator
from typing import Any

from jsonschema.exceptions import ValidationError

from mlgitops.manifests.positions import JsonPath, format_path, key_text
from mlgitops.model.mlsettings import BY_NAME
from mlgitops.model.settingsform import SETTINGS_PREFIX_KEYWORD

Problem = tuple[JsonPath, str]

_TYPE_WORDS = {"object": "mapping", "array": "list", "string": "string", "boolean": "boolean"}
_TYPE_WORDS |= {"integer": "integer", "number": "number", "null": "null"}
_NAME_RULE = "1-128 letters, digits, '.', '_' or '-', starting and ending with a letter or digit"


def type_of(value: Any) -> str:
    """The YAML word for a value's type."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "list"
    return "mapping" if isinstance(value, dict) else type(value).__name__


def shown(value: Any, limit: int = 60) -> str:
    """A user's value as a message quotes it, cut to ``limit`` characters."""
    text = str(value)
    return text if len(text) <= limit else text[:limit] + "..."


def is_secret_path(path: JsonPath) -> bool:
    """True below a ``credential`` mapping: values there are never quoted in messages."""
    return "credential" in path[:-1] or (bool(path) and path[-1] == "credential")


def _where(path: JsonPath) -> str:
    return format_path(path) or "document"


def suggest(word: str, options: list[str]) -> str:
    """``; did you mean 'X'?`` for the closest option (ignoring case), or nothing."""
    lowered = {option.lower(): option for option in options}
    close = difflib.get_close_matches(word.lower(), list(lowered), n=1, cutoff=0.6)
    return f"; did you mean '{lowered[close[0]]}'?" if close else ""


def describe(error: ValidationError) -> Iterator[Problem]:
    """One or more (path, message) pairs for a jsonschema error."""
    path: JsonPath = tuple(error.absolute_path)
    handler = _HANDLERS.get(str(error.validator))
    if handler is not None:
        yield from handler(error, path)
        return
    if is_secret_path(path):
        yield path, f"{_where(path)}: invalid value ({error.validator})"
    else:
        yield path, f"{_where(path)}: {error.message}"


def _additional(error: ValidationError, path: JsonPath) -> Iterator[Problem]:
    schema: Any = error.schema
    instance: Any = error.instance
    allowed = sorted(schema.get("properties", {}))
    extras = [key for key in instance if key not in allowed]
    for key in extras:
        name = key_text(key)
        prefix = schema.get(SETTINGS_PREFIX_KEYWORD)
        if isinstance(prefix, str) and (message := _unknown_setting(prefix, name, allowed)):
            yield (*path, name), f"{_where(path)}: {message}"
            continue
        hint = suggest(name, allowed) or f" (allowed: {', '.join(allowed)})"
        yield (*path, name), f"unknown field '{name}' in {_where(path)}{hint}"


def _unknown_setting(prefix: str, name: str, allowed: list[str]) -> str | None:
    """Static and final settings, and names 2.19 does not have, said as such (None: not a setting key)."""
    full = f"{prefix}.{name}" if prefix else name
    if not (full + ".").startswith("plugins."):
        return None
    known = BY_NAME.get(full)
    if known is not None:
        return (
            f"{full} is a {known.updatability.value} setting: ML Commons refuses it in "
            "PUT _cluster/settings; set it in opensearch.yml"
        )
    close = difflib.get_close_matches(name, allowed, n=1, cutoff=0.8)
    hint = f"; did you mean '{close[0]}'?" if close else ""
    return f"{full} is not a dynamic setting of ML Commons 2.19.1{hint}"


def _required(error: ValidationError, path: JsonPath) -> Iterator[Problem]:
    instance: Any = error.instance
    required: Any = error.validator_value
    for name in required:
        if name not in instance:
            yield path, f"missing required field '{format_path((*path, name))}'"


def _type_names(value: Any) -> list[str]:
    types = value if isinstance(value, list) else [value]
    return [_TYPE_WORDS.get(str(t), str(t)) for t in types]


def _type(error: ValidationError, path: JsonPath) -> Iterator[Problem]:
    expected = " or ".join(_type_names(error.validator_value))
    yield path, f"{_where(path)}: expected {expected}, got {type_of(error.instance)}"


def _enum(error: ValidationError, path: JsonPath) -> Iterator[Problem]:
    values: Any = error.validator_value
    options = [str(v) for v in values]
    quoted = f"'{shown(error.instance)}' " if _quotable(error.instance, path) else ""
    hint = suggest(str(error.instance), options) if isinstance(error.instance, str) else ""
    yield path, f"{_where(path)}: {quoted}is not one of {', '.join(options)}{hint}"


def _quotable(value: Any, path: JsonPath) -> bool:
    """Scalars outside credentials may be quoted; a list or mapping could hold anything."""
    return isinstance(value, str | int | float | bool) and not is_secret_path(path)


def _const(error: ValidationError, path: JsonPath) -> Iterator[Problem]:
    got = f"'{shown(error.instance)}'" if _quotable(error.instance, path) else f"a {type_of(error.instance)}"
    yield path, f"{_where(path)}: must be '{error.validator_value}', got {got}"


def _pattern(error: ValidationError, path: JsonPath) -> Iterator[Problem]:
    schema: Any = error.schema
    examples = schema.get("examples") if isinstance(schema, dict) else None
    if path == ("metadata", "name"):
        yield path, f"metadata.name '{shown(error.instance)}' is not a valid name: use {_NAME_RULE}"
    elif examples and isinstance(error.instance, str):  # a choice in any case (action_type)
        options = [str(option) for option in examples]
        quoted = f"'{shown(error.instance)}' " if _quotable(error.instance, path) else ""
        hint = suggest(error.instance, options)
        yield path, f"{_where(path)}: {quoted}is not one of {', '.join(options)} (in any case){hint}"
    else:
        yield path, f"{_where(path)}: does not match the pattern {error.validator_value}"


def _bound(error: ValidationError, path: JsonPath) -> Iterator[Problem]:
    if error.validator in ("minItems", "minProperties") and error.validator_value == 1:
        yield path, f"{_where(path)}: must not be empty"
        return
    words = {
        "minLength": "must not be empty" if error.validator_value == 1 else "is too short",
        "maxLength": f"is longer than {error.validator_value} characters",
        "minItems": f"needs at least {error.validator_value} items",
        "minProperties": f"needs at least {error.validator_value} entries",
        "minimum": f"must be >= {error.validator_value}",
        "maximum": f"must be <= {error.validator_value}",
    }
    yield path, f"{_where(path)}: {words.get(str(error.validator), error.message)}"


def _branch_of(error: ValidationError) -> int:
    return int(error.relative_schema_path[0])


def _is_shape_mismatch(error: ValidationError) -> bool:
    """A branch for another type; a right-typed value that is not one of an enum is still plausible."""
    return not error.relative_path and str(error.validator) == "type"


def _only_extra_fields(errors: list[ValidationError]) -> bool:
    return all(str(e.validator) == "additionalProperties" and not e.relative_path for e in errors)


def _shape(error: ValidationError) -> str:
    schema: Any = error.schema
    return "{" + ", ".join(f"{name}: ..." for name in schema.get("properties", {})) + "}"


def _any_of(error: ValidationError, path: JsonPath) -> Iterator[Problem]:
    """Explain the branch the value was most likely meant for, never "not valid under any of…"."""
    branches: dict[int, list[ValidationError]] = {}
    expected: list[str] = []
    for sub in error.context or []:
        branches.setdefault(_branch_of(sub), []).append(sub)
    plausible = {b: errs for b, errs in branches.items() if not any(_is_shape_mismatch(e) for e in errs)}
    if plausible:
        fewest = min(len(errs) for errs in plausible.values())
        tied = [errs for _, errs in sorted(plausible.items()) if len(errs) == fewest]
        if len(tied) > 1 and all(_only_extra_fields(errs) for errs in tied):
            shapes = " or ".join(_shape(errs[0]) for errs in tied)
            yield path, f"{_where(path)}: write {shapes}, not a mix of them"
            return
        for sub in tied[0]:
            yield from describe(sub)
        return
    for sub in error.context or []:
        if str(sub.validator) == "type" and not sub.relative_path:
            expected.extend(n for n in _type_names(sub.validator_value) if n not in expected)
    shown = [n for n in expected if n != "null"] or expected or ["another shape"]
    yield path, f"{_where(path)}: expected {' or '.join(shown)}, got {type_of(error.instance)}"


_HANDLERS = {
    "additionalProperties": _additional,
    "required": _required,
    "type": _type,
    "enum": _enum,
    "const": _const,
    "pattern": _pattern,
    "minLength": _bound,
    "maxLength": _bound,
    "minItems": _bound,
    "minProperties": _bound,
    "minimum": _bound,
    "maximum": _bound,
    "anyOf": _any_of,
    "oneOf": _any_of,
}
