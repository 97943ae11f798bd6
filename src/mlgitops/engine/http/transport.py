"""EngineTransport: an in-process httpx transport that hands requests to the engine's REST router."""

import json
from urllib.parse import parse_qsl

import httpx

from mlgitops.engine.api import LocalEngine
from mlgitops.engine.http import rest


class EngineTransport(httpx.BaseTransport):
    """An httpx transport serving requests from the engine, e.g. ``base_url="http://local-engine"``."""

    def __init__(self, engine: LocalEngine) -> None:
        self.engine = engine
        self._router = rest.Router(engine)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Route ``request`` through ``rest.handle`` and wrap the answer as an httpx response."""
        query = dict(parse_qsl(request.url.query.decode("ascii"), keep_blank_values=True))
        answer = self._router.handle(request.method, request.url.path, query, request.read() or None)
        headers = {"content-type": "application/json; charset=UTF-8"}
        if answer.body is None:
            return httpx.Response(answer.status, headers=headers, request=request)
        content = json.dumps(answer.body).encode("utf-8")
        return httpx.Response(answer.status, headers=headers, content=content, request=request)
