"""Fill an action's url, headers and request body from parameters and credentials (reference section 2.6)."""

import json
import re
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from mlgitops.engine.executor.javafmt import escape_json
from mlgitops.errors import EngineError
from mlgitops.model.templates import CREDENTIAL, PARAMETERS, substitute

_NULL_DEFAULT = re.compile(r'"\$\{parameters\.(\w+):-null\}"')
_TO_STRING = re.compile(r"\$\{parameters\.([^}:]+)\.toString\(\)\}")
_UNFILLED = re.compile(r"\$\{parameters\.([^}]+)\}")
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
SKIP_VALIDATING_MISSING = "skip_validating_missing_parameters"
HTTP_BODY = "http_body"


@lru_cache(maxsize=1024)  # connectors share a few templates
def _null_defaults(template: str) -> tuple[str, ...]:
    return tuple(_NULL_DEFAULT.findall(template))


@lru_cache(maxsize=1024)
def _to_string_names(template: str) -> tuple[str, ...]:
    return tuple(_TO_STRING.findall(template))


def fill_null_parameters(template: str, params: Mapping[str, str]) -> str:
    """Replace ``"${parameters.k:-null}"`` (quotes included) by ``null`` when ``k`` is absent."""
    for name in _null_defaults(template):
        if params.get(name) is None:
            template = template.replace('"${parameters.' + name + ':-null}"', "null")
    return template


def add_to_string_parameters(template: str, params: Mapping[str, str]) -> Mapping[str, str]:
    """Add ``k.toString()`` = JSON-escaped ``k`` for every ``${parameters.k.toString()}`` used
    (``params`` itself when there is none)."""
    names = [name for name in _to_string_names(template) if name in params]
    if not names:
        return params
    extended = dict(params)
    for name in names:
        extended[f"{name}.toString()"] = escape_json(params[name])
    return extended


def is_json_payload(payload: str) -> bool:
    """True for one JSON document or NDJSON (every non-blank line a JSON document)."""
    try:
        json.loads(payload)
        return True
    except ValueError:
        pass
    lines = [line for line in payload.splitlines() if line.strip()]
    if len(lines) < 2:
        return False
    try:
        for line in lines:
            json.loads(line)
    except ValueError:
        return False
    return True


def build_payload(request_body: str | None, params: Mapping[str, str]) -> str | None:
    """The request payload; ``http_body`` when the action has no body template."""
    if request_body is None:
        return params.get(HTTP_BODY)
    template = fill_null_parameters(request_body, params)
    payload = substitute(template, PARAMETERS, add_to_string_parameters(template, params))
    if not is_json_payload(payload):
        raise EngineError(f"Invalid payload: {payload}")
    return payload


def validate_payload(payload: str | None, params: Mapping[str, str]) -> None:
    """Refuse a payload with unfilled ``${parameters.*}`` (unless skip_validating_missing_parameters)."""
    if payload is None or params.get(SKIP_VALIDATING_MISSING, "").lower() == "true":
        return
    missing = _UNFILLED.findall(payload)
    if missing:
        raise EngineError("Some parameter placeholder not filled in payload: " + ", ".join(missing))


def build_url(url_template: str, params: Mapping[str, str]) -> str:
    """The action URL with ``${parameters.*}`` filled from the merged parameters."""
    return substitute(url_template, PARAMETERS, params) if "${" in url_template else url_template


def build_headers(
    headers: Mapping[str, Any] | None, credentials: Mapping[str, str], connector_params: Mapping[str, str]
) -> dict[str, str]:
    """Headers with ``${credential.*}``, then ``${parameters.*}`` from connector parameters (2.19).

    3.7+ would use the runtime parameters and refuse unresolved header placeholders.
    """
    filled: dict[str, str] = {}
    for name, value in (headers or {}).items():
        text = substitute(str(value), CREDENTIAL, credentials)
        text = substitute(text, PARAMETERS, connector_params)
        if _CONTROL_CHARS.search(text) or _CONTROL_CHARS.search(str(name)):
            raise EngineError("Header value contains invalid control character")
        if not (text.isascii() and str(name).isascii()):
            # httpx would raise UnicodeEncodeError, whose args hold the whole value (a credential).
            raise EngineError("Header value contains a non-ASCII character")
        filled[str(name)] = text
    if not any(name.lower() == "content-type" for name in filled):
        filled["Content-Type"] = "application/json"
    return filled
