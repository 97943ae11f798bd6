"""The REST router: ``handle(engine, method, path, query, body)`` -> RestResponse (OpenSearch errors)."""

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from mlgitops.engine.api import LocalEngine
from mlgitops.engine.http import jsonbody
from mlgitops.engine.http.routes import COMPILED, Call
from mlgitops.engine.resources.responses import ParsingError
from mlgitops.errors import CredentialStoreError, EngineError, RemoteModelError

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RestResponse:
    """An HTTP status and a JSON body (None for HEAD and empty answers)."""

    status: int
    body: dict[str, Any] | None


def error_body(
    status: int, error_type: str, reason: str, details: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """OpenSearch's error envelope (``details``: the exception's extra fields, e.g. ``index``)."""
    cause = {"type": error_type, "reason": reason, **(details or {})}
    return {"error": {"root_cause": [cause], **cause}, "status": status}


def error_response(
    status: int, error_type: str, reason: str, details: Mapping[str, Any] | None = None
) -> RestResponse:
    """An OpenSearch-shaped error answer (``error_body``) with its status."""
    return RestResponse(status, error_body(status, error_type, reason, details))


Match = tuple[frozenset[str], Any, tuple[tuple[str, str], ...]]


@lru_cache(maxsize=4096)
def _matches(path: str) -> tuple[Match, ...]:
    """Routes matching ``path``; a literal segment (``_search``) wins over an ``{id}`` wildcard.

    The route table never changes, so the answer for a path is kept (a client repeats its paths).
    """
    found: list[Match] = []
    for methods, pattern, handler in COMPILED:
        match = pattern.fullmatch(path)
        if match is not None:
            params = tuple((k, v) for k, v in match.groupdict().items() if v is not None)
            found.append((methods, handler, params))
    literal = [entry for entry in found if not any(value.startswith("_") for _, value in entry[2])]
    return tuple(literal or found)


def _route(method: str, path: str) -> tuple[Any, dict[str, str]] | RestResponse:
    allowed: set[str] = set()
    for methods, handler, params in _matches(path):
        if method in methods:
            return handler, dict(params)
        allowed |= methods
    if allowed:
        listed = ", ".join(sorted(allowed))
        message = f"Incorrect HTTP method for uri [{path}] and method [{method}], allowed: [{listed}]"
        return RestResponse(405, {"error": message, "status": 405})
    return RestResponse(400, {"error": f"no handler found for uri [{path}] and method [{method}]"})


def handle(
    engine: LocalEngine, method: str, path: str, query: Mapping[str, str], body: bytes | None
) -> RestResponse:
    """Serve one request against ``engine``, then finish the tasks that earlier requests started.

    Deferred tasks (deploys) run after the next request is answered, so that request still sees the
    model DEPLOYING, as a client of a real cluster does.
    """
    earlier = engine.runner.deferred()
    try:
        return _serve(engine, method, path, query, body)
    finally:
        engine.runner.run_deferred(earlier)


def _serve(
    engine: LocalEngine, method: str, path: str, query: Mapping[str, str], body: bytes | None
) -> RestResponse:
    method = method.upper()
    path = path if path == "/" else path.rstrip("/") if not path.endswith("_predict/") else path
    routed = _route(method, path)
    if isinstance(routed, RestResponse):
        return routed
    handler, params = routed
    try:
        bulk = path.endswith("/_bulk")  # NDJSON, parsed by the handler
        parsed = None if bulk else jsonbody.parse(body)
        result = handler(Call(engine, params, dict(query), parsed, raw=body))
    except ParsingError as exc:
        located = jsonbody.value_position(body, exc.field) if exc.field else None
        return error_response(exc.status, exc.error_type, str(exc), located or exc.details)
    except EngineError as exc:
        return error_response(exc.status, exc.error_type, str(exc), exc.details)
    except RemoteModelError as exc:
        return error_response(exc.status, "status_exception", str(exc))
    except CredentialStoreError as exc:
        return error_response(500, "credential_store_exception", str(exc))
    except Exception:
        logger.exception("engine error on %s %s", method, path)
        return error_response(500, "exception", "internal error in the mlgitops local engine (see its log)")
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
