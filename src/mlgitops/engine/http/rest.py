"""The REST router: ``handle(engine, method, path, query, body)`` -> RestResponse (OpenSearch errors)."""

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from mlgitops.engine.api import LocalEngine
from mlgitops.engine.http import jsonbody
from mlgitops.engine.http.routes import COMPILED, Call
from mlgitops.errors import CredentialStoreError, EngineError, RemoteModelError

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RestResponse:
    """An HTTP status and a JSON body (None for HEAD and empty answers)."""

    status: int
    body: dict[str, Any] | None


def error_body(status: int, error_type: str, reason: str) -> dict[str, Any]:
    """OpenSearch's error envelope."""
    cause = {"type": error_type, "reason": reason}
    return {"error": {"root_cause": [cause], **cause}, "status": status}


def _error(status: int, error_type: str, reason: str) -> RestResponse:
    return RestResponse(status, error_body(status, error_type, reason))


def _route(method: str, path: str) -> tuple[Any, dict[str, str]] | RestResponse:
    allowed: set[str] = set()
    for methods, pattern, handler in COMPILED:
        match = pattern.fullmatch(path)
        if match is None:
            continue
        if method in methods:
            return handler, {k: v for k, v in match.groupdict().items() if v is not None}
        allowed |= methods
    if allowed:
        return _error(
            405,
            "illegal_argument_exception",
            f"Incorrect HTTP method for uri [{path}] and method [{method}], "
            f"allowed: [{', '.join(sorted(allowed))}]",
        )
    return _error(
        404, "illegal_argument_exception", f"no handler found for uri [{path}] and method [{method}]"
    )


def handle(
    engine: LocalEngine, method: str, path: str, query: Mapping[str, str], body: bytes | None
) -> RestResponse:
    """Serve one request against ``engine``."""
    method = method.upper()
    path = path if path == "/" else path.rstrip("/") if not path.endswith("_predict/") else path
    routed = _route(method, path)
    if isinstance(routed, RestResponse):
        return routed
    handler, params = routed
    try:
        parsed = None if path.endswith("/_bulk") else jsonbody.parse(body)  # NDJSON, parsed by the handler
        result = handler(Call(engine, params, dict(query), parsed, body))
    except EngineError as exc:
        return _error(exc.status, exc.error_type, str(exc))
    except RemoteModelError as exc:
        return _error(exc.status, "status_exception", str(exc))
    except CredentialStoreError as exc:
        return _error(500, "credential_store_exception", str(exc))
    except Exception:
        logger.exception("engine error on %s %s", method, path)
        return _error(500, "exception", "internal error in the mlgitops local engine (see its log)")
    if isinstance(result, tuple):
        return RestResponse(result[0], result[1])
    return RestResponse(200, result)


class Router:
    """The router bound to one engine: ``Router(engine).handle(method, path, query, body)``."""

    def __init__(self, engine: LocalEngine) -> None:
        self.engine = engine

    def handle(self, method: str, path: str, query: Mapping[str, str], body: bytes | None) -> RestResponse:
        """Serve one request."""
        return handle(self.engine, method, path, query, body)
