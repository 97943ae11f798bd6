"""Checks before predict: the model's rate limiter (429) and its ``interface.input`` JSON schema (400)."""

import contextlib
import json
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from typing import Any

import jsonschema

from mlgitops.errors import EngineError

_UNIT_SECONDS = {
    "NANOSECONDS": 1e-9,
    "MICROSECONDS": 1e-6,
    "MILLISECONDS": 1e-3,
    "SECONDS": 1.0,
    "MINUTES": 60.0,
    "HOURS": 3600.0,
    "DAYS": 86400.0,
}


class RateLimiter:
    """Per-model sliding-window limits from ``rate_limiter`` (``{"limit": "4", "unit": "MINUTES"}``)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._calls: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def admit(self, model_id: str, rate_limiter: Any) -> None:
        """Raise 429 when ``model_id`` has used its allowance for the current window."""
        if not isinstance(rate_limiter, Mapping) or rate_limiter.get("limit") is None:
            return
        limit = float(str(rate_limiter["limit"]))
        window = _UNIT_SECONDS.get(str(rate_limiter.get("unit", "SECONDS")).upper(), 1.0)
        now = self._clock()
        with self._lock:
            calls = self._calls.setdefault(model_id, deque())
            while calls and calls[0] <= now - window:
                calls.popleft()
            if len(calls) >= limit:
                raise EngineError("Request is throttled at model level.", 429, "status_exception")
            calls.append(now)


def check_input_schema(model: Mapping[str, Any], request: Mapping[str, Any]) -> None:
    """Validate a ``{"parameters": ...}`` request against the model's ``interface.input`` schema."""
    raw = (model.get("interface") or {}).get("input")
    if not raw or "parameters" not in request:
        return
    prefix = (
        "Error validating input schema, if you think this is expected, please update your 'input' field "
        "in the 'interface' field for this model: "
    )
    try:
        schema = json.loads(raw) if isinstance(raw, str) else raw
        jsonschema.validate(_parsed_parameters(request), schema)
    except jsonschema.ValidationError as exc:
        raise EngineError(prefix + exc.message) from None
    except (json.JSONDecodeError, jsonschema.SchemaError) as exc:
        raise EngineError(prefix + f"invalid schema: {exc}") from None


def _parsed_parameters(request: Mapping[str, Any]) -> dict[str, Any]:
    """The request with each string parameter holding JSON replaced by its value, as ML Commons checks it."""
    parameters = request.get("parameters")
    if not isinstance(parameters, Mapping):
        return dict(request)
    parsed: dict[str, Any] = {}
    for key, value in parameters.items():
        parsed[key] = value
        if isinstance(value, str):
            with contextlib.suppress(ValueError):
                parsed[key] = json.loads(value)
    return {**request, "parameters": parsed}
