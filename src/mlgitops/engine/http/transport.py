"""EngineTransport: an in-process httpx transport that hands requests to the engine's REST router."""

import json
from urllib.parse import parse_qsl

import httpx

from mlgitops.engine.api import LocalEngine
from mlgitops.engine.http import rest

_CONTENT_TYPE = (b"content-type", b"application/json; charset=UTF-8")
_ENCODER = json.JSONEncoder()  # json.dumps' defaults, without building an encoder per answer


class EngineTransport(httpx.BaseTransport):
    """An httpx transport serving requests from the engine, e.g. ``base_url="http://local-engine"``."""

    def __init__(self, engine: LocalEngine) -> None:
        self.engine = engine
        self._router = rest.Router(engine)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Route ``request`` through ``rest.handle`` and wrap the answer as an httpx response."""
        raw_query = request.url.query
        query = dict(parse_qsl(raw_query.decode("ascii"), keep_blank_values=True)) if raw_query else {}
        answer = self._router.handle(request.method, request.url.path, query, request.read() or None)
        if answer.body is None:
            return httpx.Response(answer.status, headers=[_CONTENT_TYPE], request=request)
        content = _ENCODER.encode(answer.body).encode("utf-8")
        headers = [_CONTENT_TYPE, (b"Content-Length", b"%d" % len(content))]
        return httpx.Response(
            answer.status, headers=headers, stream=httpx.ByteStream(content), request=request
        )
