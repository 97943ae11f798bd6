"""The HTTP facade: the REST router behind a stdlib ThreadingHTTPServer, loopback by default."""

import io
import ipaddress
import json
import logging
import socket
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from mlgitops.engine.api import LocalEngine
from mlgitops.engine.http import rest
from mlgitops.errors import ConfigError

logger = logging.getLogger(__name__)

MAX_BODY = 100_000_000
MAX_PORT = 65_535
_LINE = 1024  # longest chunk-size or trailer line read


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and loopback addresses."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _bad_request(reason: str) -> rest.RestResponse:
    return rest.RestResponse(400, rest.error_body(400, "illegal_argument_exception", reason))


def _too_large() -> rest.RestResponse:
    return rest.RestResponse(413, rest.error_body(413, "too_long_http_line_exception", "body too large"))


def _read_chunked(rfile: io.BufferedIOBase) -> bytes | rest.RestResponse:
    """A ``Transfer-Encoding: chunked`` body, or the error answer when it is malformed or too large."""
    chunks: list[bytes] = []
    total = 0
    while True:
        try:
            size = int(rfile.readline(_LINE).split(b";", 1)[0].strip(), 16)
        except ValueError:
            size = -1
        if size < 0:
            return _bad_request("invalid chunked request body")
        if size == 0:
            while rfile.readline(_LINE).strip():  # optional trailers end with an empty line
                pass
            return b"".join(chunks)
        total += size
        if total > MAX_BODY:
            return _too_large()
        chunks.append(rfile.read(size))
        rfile.readline(_LINE)


def _content_length(header: str | None) -> int | rest.RestResponse:
    """The request's body length, or the error answer for a bad or oversized Content-Length."""
    try:
        length = int(header or 0)
    except ValueError:
        length = -1
    if length < 0:
        return _bad_request(f"invalid Content-Length [{header}]")
    if length > MAX_BODY:
        return _too_large()
    return length


class _Handler(BaseHTTPRequestHandler):
    server: "EngineServer"
    protocol_version = "HTTP/1.1"
    # Headers and body are separate writes: without TCP_NODELAY every keep-alive reply waits
    # ~40 ms for the client's delayed ACK (Nagle).
    disable_nagle_algorithm = True

    def _read_body(self) -> bytes | rest.RestResponse | None:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            return _read_chunked(self.rfile)
        length = _content_length(self.headers.get("Content-Length"))
        if isinstance(length, rest.RestResponse):
            return length
        return self.rfile.read(length) if length else None

    def _serve(self) -> None:
        url = urlsplit(self.path)
        body = self._read_body()
        if isinstance(body, rest.RestResponse):
            self.close_connection = True  # the body's end is unknown: do not read the next request
            self._send(body)
            return
        query = dict(parse_qsl(url.query, keep_blank_values=True))
        self._send(rest.handle(self.server.engine, self.command, url.path, query, body))

    def _send(self, answer: rest.RestResponse) -> None:
        payload = b"" if answer.body is None else json.dumps(answer.body).encode("utf-8")
        self.send_response(answer.status)
        self.send_header("Content-Type", "application/json; charset=UTF-8")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _serve  # noqa: N815 - stdlib handler names

    def log_message(self, format: str, *args: Any) -> None:
        logger.info("%s %s", self.address_string(), format % args)


class EngineServer(ThreadingHTTPServer):
    """A threading HTTP server that owns a LocalEngine."""

    daemon_threads = True

    def __init__(self, engine: LocalEngine, host: str, port: int) -> None:
        self.engine = engine
        if ":" in host:  # an IPv6 literal such as ::1
            self.address_family = socket.AF_INET6
        super().__init__((host, port), _Handler)

    @property
    def url(self) -> str:
        """``http://host:port`` of the bound socket (IPv6 hosts in brackets)."""
        host, port = self.server_address[:2]
        shown = f"[{host!s}]" if ":" in str(host) else str(host)
        return f"http://{shown}:{port}"


def make_server(
    engine: LocalEngine, host: str = "127.0.0.1", port: int = 9200, *, allow_remote: bool = False
) -> EngineServer:
    """Bind the facade; non-loopback hosts are refused unless ``allow_remote``."""
    if not allow_remote and not is_loopback(host):
        raise ConfigError(f"refusing to serve on non-loopback host {host!r}; pass --allow-remote to do so")
    if not 0 <= port <= MAX_PORT:
        raise ConfigError(f"cannot listen on {host}:{port}: the port must be between 0 and {MAX_PORT}")
    try:
        return EngineServer(engine, host, port)
    except OSError as exc:
        raise ConfigError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from exc
