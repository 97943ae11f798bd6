"""Predict parameter merging (section 4.1): connector, request, pre-process output, request again."""

from collections.abc import Mapping
from typing import Any

from mlgitops.engine.executor.javafmt import escape_json, is_json_container
from mlgitops.engine.resources.connector_rules import stringify

__all__ = ["merge_parameters", "prepare_request_parameters", "stringify", "stringify_processed"]

NO_ESCAPE_PARAMS = "no_escape_params"


def prepare_request_parameters(
    raw: Mapping[str, Any], connector_params: Mapping[str, Any] | None = None
) -> dict[str, str]:
    """Request ``parameters``, stringified, JSON-escaped unless JSON or listed in no_escape_params.

    ``no_escape_params`` (comma-separated names) comes from the request, else from the connector.
    """
    strings: dict[str, str] = {}
    containers: set[str] = set()  # values given as JSON arrays or objects: their text is JSON already
    for key, value in raw.items():
        name = str(key)
        strings[name] = stringify(value)
        if isinstance(value, list | dict):
            containers.add(name)
        else:
            containers.discard(name)
    listed = strings.get(NO_ESCAPE_PARAMS, str((connector_params or {}).get(NO_ESCAPE_PARAMS, "")))
    no_escape = {name.strip() for name in listed.split(",") if name.strip()} if listed else set()
    return {
        key: value
        if key in containers or key in no_escape or is_json_container(value)
        else escape_json(value)
        for key, value in strings.items()
    }


def stringify_processed(parameters: Mapping[str, Any]) -> dict[str, str]:
    """Pre-process output parameters: strings kept raw, other values as compact JSON."""
    return {str(key): stringify(value) for key, value in parameters.items()}


def merge_parameters(
    connector_params: Mapping[str, Any],
    request_params: Mapping[str, str],
    processed_params: Mapping[str, str],
) -> dict[str, str]:
    """Connector params, then request params, then pre-process output, then request params again."""
    merged = {str(key): stringify(value) for key, value in connector_params.items()}
    merged.update(request_params)
    merged.update(processed_params)
    merged.update(request_params)
    return merged
