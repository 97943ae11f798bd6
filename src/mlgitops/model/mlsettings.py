"""The ``plugins.ml_commons.*`` cluster settings of ML Commons 2.19.1: names, types, defaults, bounds.

One table for the manifests' schema, the semantic checks and the embedded engine. It lists what a
2.19.1 node registers (``GET _cluster/settings?include_defaults=true``): the dynamic settings a
``PUT _cluster/settings`` may change, plus the static and final ones it refuses to change.
"""

import re
from enum import StrEnum
from typing import Any, NamedTuple

from mlgitops.model.mlcommons import DEFAULT_TRUSTED_ENDPOINTS_2_19

ML_PREFIX = "plugins.ml_commons."
SCOPES = ("persistent", "transient")


class ValueType(StrEnum):
    """How OpenSearch parses a setting's value."""

    BOOL = "boolean"
    INT = "integer"
    FLOAT = "float"
    STRING = "string"
    LIST = "list"
    BYTES = "byte size"


class Updatability(StrEnum):
    """Whether ``PUT _cluster/settings`` may change a setting."""

    DYNAMIC = "dynamic"
    STATIC = "static"  # node setting: opensearch.yml only, "not dynamically updateable"
    FINAL = "final"  # fixed at node start, "final ... setting, not updateable"


class MlSetting(NamedTuple):
    """One ML Commons setting; ``name`` is the full key."""

    name: str
    type: ValueType
    default: Any
    minimum: float | None = None
    maximum: float | None = None
    updatability: Updatability = Updatability.DYNAMIC

    @property
    def short(self) -> str:
        """The key without ``plugins.ml_commons.``."""
        return self.name.removeprefix(ML_PREFIX)


def _s(
    short: str, kind: ValueType, default: Any, low: float | None = None, high: float | None = None
) -> MlSetting:
    return MlSetting(ML_PREFIX + short, kind, default, low, high)


_B, _I, _F, _S, _L = ValueType.BOOL, ValueType.INT, ValueType.FLOAT, ValueType.STRING, ValueType.LIST
_INT_MIN = -(2**31)

SETTINGS_2_19: tuple[MlSetting, ...] = (
    _s("task_dispatch_policy", _S, "round_robin"),
    _s("max_model_on_node", _I, 10, 0, 10000),
    _s("only_run_on_ml_node", _B, True),
    _s("sync_up_job_interval_in_seconds", _I, 10, 0, 86400),
    _s("ml_task_timeout_in_seconds", _I, 600, 1, 86400),
    _s("monitoring_request_count", _I, 100, 0, 10_000_000),
    _s("max_register_model_tasks_per_node", _I, 10, 0, 10),
    _s("max_ml_task_per_node", _I, 10, 0, 10000),
    _s("max_deploy_model_tasks_per_node", _I, 10, 0, 10),
    _s("trusted_url_regex", _S, "^(https?|ftp|file)://[-a-zA-Z0-9+&@#/%?=~_|!:,.;]*[-a-zA-Z0-9+&@#/%=~_|]"),
    _s("native_memory_threshold", _I, 90, 0, 100),
    _s("disk_free_space_threshold", ValueType.BYTES, "5gb"),
    _s("jvm_heap_memory_threshold", _I, 85, 0, 100),
    _s("exclude_nodes._name", _S, ""),
    _s("allow_custom_deployment_plan", _B, False),
    _s("enable_inhouse_python_model", _B, False),
    _s("model_auto_redeploy.enable", _B, True),
    _s("model_auto_redeploy.lifetime_retry_times", _I, 3, _INT_MIN),
    _s("model_auto_redeploy_success_ratio", _F, 0.8, 0.0, 1.0),
    _s("allow_registering_model_via_url", _B, False),
    _s("allow_registering_model_via_local_file", _B, False),
    _s("model_access_control_enabled", _B, False),
    _s("connector_access_control_enabled", _B, False),
    _s("trusted_connector_endpoints_regex", _L, list(DEFAULT_TRUSTED_ENDPOINTS_2_19)),
    _s("task_dispatcher.eligible_node_role.remote_model", _L, ["data", "ml"]),
    _s("task_dispatcher.eligible_node_role.local_model", _L, ["data", "ml"]),
    _s("remote_inference.enabled", _B, True),
    _s("local_model.enabled", _B, True),
    _s("memory_feature_enabled", _B, True),
    _s("rag_pipeline_feature_enabled", _B, True),
    _s("agent_framework_enabled", _B, True),
    _s("model_auto_deploy.enable", _B, True),
    _s("connector.private_ip_enabled", _B, False),
    _s("remote_job.status_field", _L, ["status", "Status", "TransformJobStatus"]),
    _s("remote_job.status_regex.completed", _S, "(complete|completed|partiallyCompleted)"),
    _s("remote_job.status_regex.cancelled", _S, "(stopped|cancelled)"),
    _s("remote_job.status_regex.cancelling", _S, "(stopping|cancelling)"),
    _s("remote_job.status_regex.expired", _S, "(expired|timeout)"),
    _s("remote_job.status_regex.failed", _S, "(failed)"),
    _s("controller_enabled", _B, True),
    _s("offline_batch_ingestion_enabled", _B, True),
    _s("offline_batch_inference_enabled", _B, True),
    _s("max_batch_inference_tasks", _I, 10, 0, 500),
    _s("max_batch_ingestion_tasks", _I, 10, 0, 500),
    _s("batch_ingestion_bulk_size", _I, 500, 100, 100000),
    _s("safe_delete_model", _B, False),
    _s("multi_tenancy_enabled", _B, False)._replace(updatability=Updatability.STATIC),
    *(
        _s(name, _S, "")._replace(updatability=Updatability.FINAL)
        for name in (
            "remote_metadata_type",
            "remote_metadata_endpoint",
            "remote_metadata_region",
            "remote_metadata_service_name",
        )
    ),
)

BY_NAME: dict[str, MlSetting] = {setting.name: setting for setting in SETTINGS_2_19}
DYNAMIC: tuple[MlSetting, ...] = tuple(s for s in SETTINGS_2_19 if s.updatability is Updatability.DYNAMIC)

_BYTES = re.compile(r"^\s*(-1|0|\d+(\.\d+)?\s*(b|k|kb|m|mb|g|gb|t|tb|p|pb))\s*$", re.IGNORECASE)
BYTES_PATTERN = r"^\s*(-1|0|[0-9]+(\.[0-9]+)?\s*([bB]|[kKmMgGtTpP][bB]?))\s*$"


class SettingValueError(ValueError):
    """A value OpenSearch would not parse for a setting (the message is OpenSearch's wording)."""


def parse_value(setting: MlSetting, value: Any) -> Any:
    """``value`` as the typed value OpenSearch would hold, or SettingValueError."""
    kind = setting.type
    if kind is ValueType.BOOL:
        if isinstance(value, bool) or value in ("true", "false"):
            return value if isinstance(value, bool) else value == "true"
        raise SettingValueError(f"Failed to parse value [{value}] as only [true] or [false] are allowed.")
    if kind is ValueType.LIST:
        items = value if isinstance(value, list) else [value]
        return [item if isinstance(item, str) else str(item) for item in items]
    if kind is ValueType.BYTES:
        if not _BYTES.match(str(value)):
            raise SettingValueError(
                f"failed to parse setting [{setting.name}] with value [{value}] as a size in bytes: "
                "unit is missing or unrecognized"
            )
        return str(value).strip().lower()
    if kind is ValueType.STRING:
        return value if isinstance(value, str) else str(value)
    return _number(setting, value)


def _number(setting: MlSetting, value: Any) -> int | float:
    text = render_value(value)
    where = f"Failed to parse value [{text}] for setting [{setting.name}]"
    try:
        number: int | float = int(text) if setting.type is ValueType.INT else float(text)
    except (TypeError, ValueError):
        raise SettingValueError(where) from None
    if setting.minimum is not None and number < setting.minimum:
        raise SettingValueError(f"{where} must be >= {_bound(setting, setting.minimum)}")
    if setting.maximum is not None and number > setting.maximum:
        raise SettingValueError(f"{where} must be <= {_bound(setting, setting.maximum)}")
    return number


def _bound(setting: MlSetting, bound: float) -> str:
    return str(int(bound)) if setting.type is ValueType.INT else str(float(bound))


def render_value(value: Any) -> Any:
    """A value as ``GET _cluster/settings`` shows it: strings, lists of strings."""
    if isinstance(value, list):
        return [render_value(item) for item in value]
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str) else str(value)


def defaults() -> dict[str, Any]:
    """Every registered setting's typed default, keyed by full name."""
    return {setting.name: setting.default for setting in SETTINGS_2_19}
