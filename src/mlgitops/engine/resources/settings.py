"""Cluster settings: persistent/transient scopes, ML Commons 2.19 dynamic settings and their defaults."""

from collections.abc import Mapping
from typing import Any

from mlgitops.engine.storage.store import Store
from mlgitops.errors import EngineError
from mlgitops.model.mlcommons import DEFAULT_TRUSTED_ENDPOINTS_2_19

ML_PREFIX = "plugins.ml_commons."
SCOPES = ("persistent", "transient")

_ML_DEFAULTS: dict[str, Any] = {
    "trusted_connector_endpoints_regex": list(DEFAULT_TRUSTED_ENDPOINTS_2_19),
    "connector_access_control_enabled": False,
    "model_access_control_enabled": False,
    "connector.private_ip_enabled": False,
    "remote_inference.enabled": True,
    "local_model.enabled": True,
    "only_run_on_ml_node": True,
    "task_dispatcher.eligible_node_role.remote_model": ["data", "ml"],
    "task_dispatcher.eligible_node_role.local_model": ["data", "ml"],
    "model_auto_deploy.enable": True,
    "model_auto_redeploy.enable": True,
    "allow_custom_deployment_plan": False,
    "safe_delete_model": False,
    "offline_batch_inference_enabled": True,
    "controller_enabled": True,
    "max_model_on_node": 10,
    "max_register_model_tasks_per_node": 10,
    "max_deploy_model_tasks_per_node": 10,
    "ml_task_timeout_in_seconds": 600,
    "sync_up_job_interval_in_seconds": 10,
    "allow_registering_model_via_url": False,
    "multi_tenancy_enabled": False,
    "master_key_cache_ttl_minutes": 5,
}
DEFAULTS: dict[str, Any] = {ML_PREFIX + key: value for key, value in _ML_DEFAULTS.items()}
STATIC = frozenset({ML_PREFIX + "multi_tenancy_enabled", ML_PREFIX + "master_key_cache_ttl_minutes"})


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


def _coerce(key: str, value: Any) -> Any:
    default = DEFAULTS[key]
    if isinstance(default, bool):
        if isinstance(value, bool) or str(value) in ("true", "false"):
            return value if isinstance(value, bool) else value == "true"
        raise EngineError(f"Failed to parse value [{value}] as only [true] or [false] are allowed.")
    if isinstance(default, int):
        try:
            return int(str(value))
        except ValueError:
            raise EngineError(f"Failed to parse value [{value}] for setting [{key}]") from None
    values = value if isinstance(value, list) else [value]
    return [str(item) for item in values]


def validate(scope: str, key: str, value: Any) -> Any:
    """The stored form of one setting; unknown or static ML settings are refused like OpenSearch does."""
    if not key.startswith(ML_PREFIX) or value is None:
        return value
    if key not in DEFAULTS:
        raise EngineError(f"{scope} setting [{key}], not recognized")
    if key in STATIC:
        raise EngineError(f"{scope} setting [{key}], not dynamically updateable")
    return _coerce(key, value)


def render(value: Any) -> Any:
    """OpenSearch renders setting values as strings (lists as lists of strings)."""
    if isinstance(value, list):
        return [render(item) for item in value]
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str) else str(value)


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
