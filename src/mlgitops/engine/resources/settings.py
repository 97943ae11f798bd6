"""Cluster settings: persistent/transient scopes over the store, checked against the ML Commons table."""

from collections.abc import Mapping
from typing import Any

from mlgitops.engine.storage.store import Store
from mlgitops.errors import EngineError
from mlgitops.model import mlsettings
from mlgitops.model.mlsettings import SCOPES, Updatability

ML_PREFIX = mlsettings.ML_PREFIX
DEFAULTS: dict[str, Any] = mlsettings.defaults()


def flatten(tree: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """``{"a": {"b": 1}}`` -> ``{"a.b": 1}`` (settings may be sent nested or flat)."""
    flat: dict[str, Any] = {}
    for key, value in tree.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            flat.update(flatten(value, name + "."))
        else:
            flat[name] = value
    return flat


def nest(flat: Mapping[str, Any]) -> dict[str, Any]:
    """``{"a.b": 1}`` -> ``{"a": {"b": 1}}``, as GET _cluster/settings answers without flat_settings."""
    tree: dict[str, Any] = {}
    for key, value in flat.items():
        node = tree
        *parents, leaf = key.split(".")
        for part in parents:
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                child = node[part] = {"": child}
            node = child
        node[leaf] = value
    return tree


def validate(scope: str, key: str, value: Any) -> Any:
    """The stored form of one setting; unknown, static or final ML settings are refused like OpenSearch."""
    if not key.startswith(ML_PREFIX) or value is None:
        return value
    setting = mlsettings.BY_NAME.get(key)
    if setting is None:
        raise EngineError(f"{scope} setting [{key}], not recognized")
    if setting.updatability is Updatability.STATIC:
        raise EngineError(f"{scope} setting [{key}], not dynamically updateable")
    if setting.updatability is Updatability.FINAL:
        raise EngineError(f"final {scope} setting [{key}], not updateable")
    try:
        return mlsettings.parse_value(setting, value)
    except mlsettings.SettingValueError as exc:
        raise EngineError(str(exc)) from None


render = mlsettings.render_value


class ClusterSettings:
    """``PUT/GET _cluster/settings`` over the store."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def put(self, body: Mapping[str, Any] | None) -> dict[str, Any]:
        """Apply ``{"persistent": {...}, "transient": {...}}``; null values reset a setting."""
        if not body or not any(scope in body for scope in SCOPES):
            raise EngineError(
                "Validation Failed: 1: no settings to update;", 400, "action_request_validation_exception"
            )
        for scope in SCOPES:
            if not isinstance(body.get(scope) or {}, Mapping):
                raise EngineError(f"[{scope}] settings must be an object", 400, "parse_exception")
        changes = {scope: flatten(body.get(scope) or {}) for scope in SCOPES}
        stored = {
            scope: {key: validate(scope, key, value) for key, value in flat.items()}
            for scope, flat in changes.items()
        }
        with self._store.write() as tx:
            for scope, flat in stored.items():
                for key, value in flat.items():
                    tx.set_setting(scope, key, value)
        response: dict[str, Any] = {"acknowledged": True}
        for scope, flat in stored.items():
            response[scope] = nest({k: render(v) for k, v in flat.items() if v is not None})
        return response

    def get(self, *, flat_settings: bool = False, include_defaults: bool = False) -> dict[str, Any]:
        """The persistent and transient settings (and the ML defaults with ``include_defaults``)."""
        with self._store.read() as tx:
            scopes = {scope: tx.settings(scope) for scope in SCOPES}
        shape = (lambda flat: flat) if flat_settings else nest
        response = {scope: shape({k: render(v) for k, v in flat.items()}) for scope, flat in scopes.items()}
        if include_defaults:
            overridden = set(scopes["persistent"]) | set(scopes["transient"])
            defaults = {k: render(v) for k, v in DEFAULTS.items() if k not in overridden}
            response["defaults"] = shape(defaults)
        return response

    def effective(self) -> dict[str, Any]:
        """Typed flat settings in force: defaults, overlaid by persistent, overlaid by transient."""
        with self._store.read() as tx:
            persistent, transient = tx.settings("persistent"), tx.settings("transient")
        return {**DEFAULTS, **persistent, **transient}
