"""The shapes a ``_cluster/settings`` body takes: flat or nested keys, one scope or both.

A ClusterSettings spec is either today's flat form (``scope`` plus ``plugins.ml_commons.*`` keys) or
the body as the OpenSearch docs print it (``persistent:`` / ``transient:`` maps). Inside either,
OpenSearch joins nested maps with dots, so ``plugins: {ml_commons: {x: 1}}``,
``plugins.ml_commons: {x: 1}`` and ``plugins.ml_commons.x: 1`` are the same setting. Everything here
turns those forms into one canonical ``{scope: {full key: value}}`` and describes them as JSON Schema.
"""

from collections.abc import Iterator, Mapping
from typing import Any

from mlgitops.model.mlsettings import (
    BY_NAME,
    BYTES_PATTERN,
    DYNAMIC,
    SCOPES,
    MlSetting,
    SettingValueError,
    Updatability,
    ValueType,
    parse_value,
)

SourcePath = tuple[str, ...]
DEF_PREFIX = "MlCommonsSettings."
# Marks a map of settings in the schema, with the key prefix it stands for (error messages use it).
SETTINGS_PREFIX_KEYWORD = "x-settings-prefix"


class FlatSettings(Mapping[str, Any]):
    """Settings of one scope keyed by full name, remembering where each was written."""

    def __init__(self, values: dict[str, Any], sources: dict[str, SourcePath]) -> None:
        self._values = values
        self.sources = sources

    def __getitem__(self, key: str) -> Any:
        return self._values[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)


def flatten_with_sources(tree: Mapping[str, Any], at: SourcePath) -> FlatSettings:
    """``tree`` (nested or dotted keys) as full keys; unknown, static and twice-set keys raise ValueError."""
    values: dict[str, Any] = {}
    sources: dict[str, SourcePath] = {}
    for written, value in _walk(tree, ()):
        full = ".".join(written)
        where = (*at, *written)
        if full in sources:
            first = ".".join(sources[full])
            raise ValueError(f"{full} is set twice in this scope (also at {first})")
        if value is None:
            continue
        values[full] = check_setting(full, value)
        sources[full] = where
    return FlatSettings(values, sources)


def _walk(tree: Mapping[str, Any], path: SourcePath) -> Iterator[tuple[SourcePath, Any]]:
    for key, value in tree.items():
        here = (*path, str(key))
        if isinstance(value, Mapping):
            yield from _walk(value, here)
        else:
            yield here, value


def check_setting(full: str, value: Any) -> Any:
    """The typed value of one setting written in a manifest, or ValueError saying why not."""
    setting = BY_NAME.get(full)
    if setting is None:
        raise ValueError(f"{full} is not a setting of ML Commons 2.19")
    if setting.updatability is not Updatability.DYNAMIC:
        raise ValueError(f"{full} is a {setting.updatability.value} setting: set it in opensearch.yml")
    try:
        parse_value(setting, value)
    except SettingValueError as exc:
        raise ValueError(str(exc)) from None
    if setting.type is ValueType.LIST and not isinstance(value, list):
        raise ValueError(f"{full} takes a list of strings")
    return value


def split_spec(data: Mapping[str, Any]) -> dict[str, FlatSettings]:
    """A ClusterSettings spec as written -> ``{scope: FlatSettings}`` (paths relative to ``spec``)."""
    scoped = [scope for scope in SCOPES if scope in data]
    loose = [key for key in data if key not in ("scope", *SCOPES)]
    if scoped and (loose or "scope" in data):
        raise ValueError(
            "use either scope with plugins.ml_commons.* keys, or persistent:/transient: maps, not both"
        )
    if not scoped:
        scope = data.get("scope") or "persistent"
        return {scope: flatten_with_sources({key: data[key] for key in loose}, ())}
    out: dict[str, FlatSettings] = {}
    for scope in scoped:
        tree = data[scope] or {}
        if not isinstance(tree, Mapping):
            raise ValueError(f"{scope} must be a mapping of settings")
        out[scope] = flatten_with_sources(tree, (scope,))
    return out


def _leaf_schema(setting: MlSetting) -> dict[str, Any]:
    default = setting.default
    described = f"{setting.type.value}; default {default!r}".replace("'", '"')
    if setting.type is ValueType.BOOL:
        return {"type": "boolean", "description": described}
    if setting.type is ValueType.LIST:
        return {"type": "array", "items": {"type": "string"}, "description": described}
    if setting.type is ValueType.BYTES:
        return {"type": "string", "pattern": BYTES_PATTERN, "description": described + " (e.g. 5gb, 512mb)"}
    if setting.type is ValueType.STRING:
        return {"type": "string", "description": described}
    schema: dict[str, Any] = {"type": "integer" if setting.type is ValueType.INT else "number"}
    if setting.minimum is not None and setting.minimum > -(2**31):
        schema["minimum"] = setting.minimum if setting.type is ValueType.FLOAT else int(setting.minimum)
    if setting.maximum is not None:
        schema["maximum"] = setting.maximum if setting.type is ValueType.FLOAT else int(setting.maximum)
    return {**schema, "description": described}


def _segments(setting: MlSetting) -> tuple[str, ...]:
    return tuple(setting.name.split("."))


def node_properties(prefix: tuple[str, ...]) -> dict[str, Any]:
    """Properties of the map at ``prefix``: every way of writing the settings below it."""
    properties: dict[str, Any] = {}
    for setting in DYNAMIC:
        segments = _segments(setting)
        if segments[: len(prefix)] != prefix or len(segments) == len(prefix):
            continue
        rest = segments[len(prefix) :]
        for cut in range(1, len(rest) + 1):
            name = ".".join(rest[:cut])
            if cut == len(rest):
                properties[name] = _leaf_schema(setting)
            else:
                properties.setdefault(name, {"$ref": f"#/$defs/{def_name((*prefix, *rest[:cut]))}"})
    return dict(sorted(properties.items()))


def def_name(prefix: tuple[str, ...]) -> str:
    """The ``$defs`` name of the nested map at ``prefix`` (``MlCommonsSettings.plugins.ml_commons``)."""
    return DEF_PREFIX + ".".join(prefix)


def node_defs() -> dict[str, Any]:
    """``$defs`` for every nested map a setting can be written through (shared by both scopes)."""
    prefixes = {_segments(s)[:cut] for s in DYNAMIC for cut in range(1, len(_segments(s)))}
    return {
        def_name(prefix): {
            "type": "object",
            SETTINGS_PREFIX_KEYWORD: ".".join(prefix),
            "properties": node_properties(prefix),
            "additionalProperties": False,
        }
        for prefix in sorted(prefixes)
    }


ROOT_DEF = DEF_PREFIX.rstrip(".")


def root_def() -> dict[str, Any]:
    """The schema of a ``persistent:`` / ``transient:`` map."""
    return {
        "type": ["object", "null"],
        SETTINGS_PREFIX_KEYWORD: "",
        "properties": node_properties(()),
        "additionalProperties": False,
    }


def schema_defs() -> dict[str, Any]:
    """Every ``$defs`` entry a ClusterSettings spec schema refers to."""
    return {ROOT_DEF: root_def(), **node_defs()}


def spec_schema() -> dict[str, Any]:
    """The schema of a ClusterSettings spec: flat keys beside ``scope``, or scope maps."""
    root = {"$ref": f"#/$defs/{ROOT_DEF}"}
    return {
        "type": "object",
        SETTINGS_PREFIX_KEYWORD: "",
        "description": (
            "plugins.ml_commons.* settings: scope plus flat keys, or persistent:/transient: maps "
            "(nested or dotted keys), as PUT _cluster/settings takes them."
        ),
        "properties": {
            "scope": {
                "enum": list(SCOPES),
                "default": "persistent",
                "description": "Scope of the flat keys.",
            },
            "persistent": root,
            "transient": root,
            **node_properties(()),
        },
        "additionalProperties": False,
    }
