"""Connector documents: parse and normalise bodies, required fields, SigV4 and trusted-endpoint checks."""

import json
from collections.abc import Mapping
from typing import Any

from pydantic import SecretStr

from mlgitops.engine.resources.responses import parsing_error
from mlgitops.errors import EngineError
from mlgitops.model import javaregex, templates
from mlgitops.model.mlcommons import DEFAULT_CLIENT_CONFIG, RETRY_BACKOFF_POLICIES

PROTOCOLS = ("http", "aws_sigv4")
ACTION_TYPES = ("PREDICT", "EXECUTE", "BATCH_PREDICT", "CANCEL_BATCH_PREDICT", "BATCH_PREDICT_STATUS")
_ACTION_FIELDS = ("headers", "request_body", "pre_process_function", "post_process_function")
_COPIED = ("name", "version", "description", "protocol")


_COMPACT = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)  # built once, not per value


def stringify(value: Any) -> str:
    """Parameter values are stored as strings; other JSON values as compact JSON, non-ASCII kept (Gson)."""
    return value if isinstance(value, str) else _COMPACT.encode(value)


def _action(raw: Any) -> dict[str, Any]:
    if not isinstance(raw, Mapping):
        raise EngineError("action type can't be null")
    action_type = raw.get("action_type")
    if action_type is None:
        raise EngineError("action type can't be null")
    upper = str(action_type).upper()
    if upper not in ACTION_TYPES:
        raise EngineError(
            f"No enum constant org.opensearch.ml.common.connector.ConnectorAction.ActionType.{upper}"
        )
    if raw.get("url") is None:
        raise EngineError("url can't be null")
    if raw.get("method") is None:
        raise EngineError("method can't be null")
    action: dict[str, Any] = {"action_type": upper, "method": raw["method"], "url": raw["url"]}
    for field in _ACTION_FIELDS:
        if raw.get(field) is not None:
            action[field] = raw[field]
    return action


def client_config(raw: Any) -> dict[str, Any]:
    """``client_config`` with every missing field filled with the 2.19 default."""
    if not isinstance(raw, Mapping):
        raise EngineError("client_config must be an object")
    policy = str(raw.get("retry_backoff_policy", DEFAULT_CLIENT_CONFIG["retry_backoff_policy"])).lower()
    if policy not in RETRY_BACKOFF_POLICIES:
        raise EngineError("Unsupported retry backoff policy")
    filled = {**DEFAULT_CLIENT_CONFIG, **{k: v for k, v in raw.items() if v is not None}}
    filled["retry_backoff_policy"] = policy
    return filled


def _check_required(body: Mapping[str, Any]) -> None:
    for field in ("name", "version", "protocol"):
        if body.get(field) is None:
            raise EngineError(f"Connector {field} is null")
    if not body.get("credential"):
        raise EngineError("Connector credential is null or empty list")


def _typed(body: Mapping[str, Any], field: str, kind: type, noun: str) -> Any:
    """``body[field]`` (None when absent), refused with a parse error when it is not a ``kind``."""
    value = body.get(field)
    if value is not None and not isinstance(value, kind):
        if kind is list:
            raise parsing_error("START_ARRAY", value, field)
        raise EngineError(f"Connector {field} must be {noun}", 400, "parse_exception")
    return value


def parse(body: Mapping[str, Any], *, required: bool) -> tuple[dict[str, Any], dict[str, SecretStr]]:
    """Split a create/update body into the stored document fields and the credential map."""
    if required:
        _check_required(body)
    doc: dict[str, Any] = {}
    for field in _COPIED:
        if body.get(field) is not None:
            doc[field] = str(body[field]) if field == "version" else body[field]
    if "protocol" in doc and doc["protocol"] not in PROTOCOLS:
        raise EngineError(f"Can't find class for type {doc['protocol']}")
    parameters = _typed(body, "parameters", Mapping, "an object")
    if parameters is not None:
        doc["parameters"] = {str(k): stringify(v) for k, v in parameters.items()}
    actions = _typed(body, "actions", list, "an array")
    if actions is not None:
        doc["actions"] = [_action(raw) for raw in actions]
    if body.get("client_config") is not None:
        doc["client_config"] = client_config(body["client_config"])
    credential = _typed(body, "credential", Mapping, "an object") or {}
    return doc, {str(k): SecretStr(stringify(v)) for k, v in credential.items()}


def check_sigv4(doc: Mapping[str, Any], credential_keys: set[str]) -> None:
    """ML Commons' AwsConnector checks: access/secret key, service name and region present."""
    if doc.get("protocol") != "aws_sigv4":
        return
    if not {"access_key", "secret_key"} <= credential_keys:
        raise EngineError("Missing credential")
    parameters = doc.get("parameters") or {}
    if "service_name" not in parameters and "service_name" not in credential_keys:
        raise EngineError("Missing service name")
    if "region" not in parameters and "region" not in credential_keys:
        raise EngineError("Missing region")


def check_trusted_endpoints(doc: Mapping[str, Any], patterns: list[str]) -> None:
    """Every action URL, filled with connector parameters, must fully match a trusted regex."""
    actions = doc.get("actions") or []
    if not actions:
        raise EngineError("No actions configured for this connector")
    parameters = doc.get("parameters") or {}
    for action in actions:
        url = templates.substitute(str(action["url"]), templates.PARAMETERS, parameters)
        if not javaregex.matches_any(list(patterns), url):
            raise EngineError(
                f"Connector URL is not matching the trusted connector endpoint regex, URL is: {url}"
            )


def merge(stored: Mapping[str, Any], update: Mapping[str, Any]) -> dict[str, Any]:
    """Update semantics: scalars and actions replaced, parameters and client_config merged key-wise."""
    merged = dict(stored)
    for field, value in update.items():
        if field in ("parameters", "client_config") and isinstance(stored.get(field), Mapping):
            merged[field] = {**stored[field], **value}
        else:
            merged[field] = value
    return merged


def has_predict_action(doc: Mapping[str, Any]) -> bool:
    """True when the connector has a PREDICT action."""
    return any(a.get("action_type") == "PREDICT" for a in doc.get("actions") or [])


ORDER = (
    "name",
    "version",
    "description",
    "protocol",
    "parameters",
    "actions",
    "backend_roles",
    "owner",
    "access",
    "created_time",
    "last_updated_time",
    "client_config",
)


def ordered(doc: Mapping[str, Any]) -> dict[str, Any]:
    """Fields in ML Commons' output order."""
    head = {k: doc[k] for k in ORDER if k in doc}
    return {**head, **{k: v for k, v in doc.items() if k not in head}}
