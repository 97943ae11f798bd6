"""The HTTP facade: the REST router behind a stdlib ThreadingHTTPServer, loopback by default.

Every request passes the guard first (Host header, bearer token), then only JSON bodies of bounded
size reach the router; every answer, errors of the HTTP layer included, is OpenSearch-style JSON.
"""

import ipaddress
import json
import logging
import socket
import ssl
from collections.abc import Iterable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from mlgitops.engine.api import LocalEngine
from mlgitops.engine.http import bodies, guard, rest, token
from mlgitops.errors import ConfigError

logger = logging.getLogger(__name__)

# Connections the kernel queues while the accept loop starts threads: a burst of clients is queued,
# not reset (the stdlib default of 5 resets most of a 50-client burst). Linux caps it at somaxconn.
LISTEN_BACKLOG = 1024
IDLE_TIMEOUT_SECONDS = 60
ROUTED_METHODS = ("GET", "POST", "PUT", "DELETE", "HEAD")
MAX_PORT = 65_535


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and loopback addresses."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _not_allowed(method: str) -> rest.RestResponse:
    reason = f"HTTP method [{method}] is not supported; allowed: [{', '.join(ROUTED_METHODS)}]"
    return rest.error_response(405, "illegal_argument_exception", reason)


class _Handler(BaseHTTPRequestHandler):
    server: "EngineServer"
    protocol_version = "HTTP/1.1"
    # Headers and body are separate writes: without TCP_NODELAY every keep-alive reply waits
    # ~40 ms for the client's delayed ACK (Nagle).
    disable_nagle_algorithm = True
    timeout = IDLE_TIMEOUT_SECONDS  # an idle or trickling client cannot hold a thread for ever

    def setup(self) -> None:
        super().setup()
        if isinstance(self.connection, ssl.SSLSocket):
            self.connection.do_handshake()  # here, on the request's thread, not in the accept loop

    def _has_body(self) -> bool:
        chunked = "chunked" in self.headers.get("Transfer-Encoding", "").lower()
        return chunked or self.headers.get("Content-Length", "0").strip() not in ("", "0")

    def _read_body(self) -> bytes | rest.RestResponse | None:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            return bodies.read_chunked(self.rfile)
        length = bodies.content_length(self.headers.get("Content-Length"))
        if isinstance(length, rest.RestResponse):
            return length
        return self.rfile.read(length) if length else None

    def _admit(self) -> rest.RestResponse | None:
        """The answer that refuses this request before its body is read, or None to go on."""
        checks = self.server.guard
        refused = checks.check_host(self.headers.get("Host")) or checks.check_token(
            self.headers.get("Authorization")
        )
        if refused is not None:
            return refused
        if self.command not in ROUTED_METHODS:
            return _not_allowed(self.command)
        return guard.check_content_type(self.headers.get("Content-Type"), self._has_body())

    def _serve(self) -> None:
        refused = self._admit()
        if refused is not None:
            self._refuse(refused)
            return
        url = urlsplit(self.path)
        body = self._read_body()
        if isinstance(body, rest.RestResponse):
            self._refuse(body)
            return
        too_deep = bodies.check_depth(body)
        if too_deep is not None:
            self._send(too_deep)  # the body was read whole: the connection stays usable
            return
        query = dict(parse_qsl(url.query, keep_blank_values=True))
        self._send(rest.handle(self.server.engine, self.command, url.path, query, body))

    def _refuse(self, answer: rest.RestResponse) -> None:
        self.close_connection = True  # the body is unread or its end unknown: never parse it as a request
        self._send(answer)

    def _send(self, answer: rest.RestResponse) -> None:
        payload = b"" if answer.body is None else json.dumps(answer.body).encode("utf-8")
        self.send_response(answer.status)
        self.send_header("Content-Type", "application/json; charset=UTF-8")
        self.send_header("Content-Length", str(len(payload)))
        if answer.status == 405:
            self.send_header("Allow", ", ".join(ROUTED_METHODS))
        if answer.status == 401:
            self.send_header("WWW-Authenticate", 'Bearer realm="mlgitops"')
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)

    def send_error(self, code: int, message: str | None = None, _explain: str | None = None) -> None:
        """Errors of the HTTP layer itself (bad request line, unknown method, huge headers) as JSON."""
        self.close_connection = True
        self.request_version = self.protocol_version  # a status line even for a garbled request line
        if code == 501:  # the stdlib's answer to a method without a do_ handler
            answer = _not_allowed(str(self.command))
        else:
            reason = message or self.responses.get(code, ("error",))[0]
            answer = rest.error_response(code, "illegal_argument_exception", reason)
        self._send(answer)

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _serve  # noqa: N815 - stdlib handler names
    do_PATCH = do_OPTIONS = do_TRACE = do_CONNECT = _serve  # noqa: N815 - answered 405 after the guard

    def log_message(self, format: str, *args: Any) -> None:
        logger.info("%s %s", self.address_string(), format % args)


@dataclass(frozen=True)
class TlsFiles:
    """A PEM certificate chain and its private key."""

    cert: Path
    key: Path


def tls_context(files: TlsFiles) -> ssl.SSLContext:
    """A server TLS context (TLS 1.2 or newer) from ``files``; ConfigError when they do not load."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    try:
        context.load_cert_chain(files.cert, files.key)
    except (OSError, ssl.SSLError) as exc:
        detail = getattr(exc, "strerror", None) or exc
        raise ConfigError(f"cannot load TLS certificate {files.cert} and key {files.key}: {detail}") from None
    return context


class EngineServer(ThreadingHTTPServer):
    """A threading HTTP(S) server that owns a LocalEngine and guards every request."""

    daemon_threads = True
    request_queue_size = LISTEN_BACKLOG

    def __init__(
        self,
        engine: LocalEngine,
        host: str,
        port: int,
        checks: guard.Guard,
        context: ssl.SSLContext | None = None,
    ) -> None:
        self.engine = engine
        self.guard = checks
        self.tls = context is not None
        if ":" in host:  # an IPv6 literal such as ::1
            self.address_family = socket.AF_INET6
        super().__init__((host, port), _Handler)
        if context is not None:
            self.socket = context.wrap_socket(self.socket, server_side=True, do_handshake_on_connect=False)

    @property
    def url(self) -> str:
        """``http(s)://host:port`` of the bound socket (IPv6 hosts in brackets)."""
        host, port = self.server_address[:2]
        shown = f"[{host!s}]" if ":" in str(host) else str(host)
        return f"{'https' if self.tls else 'http'}://{shown}:{port}"

    def handle_error(self, _request: Any, client_address: Any) -> None:
        """A client that vanished or failed the TLS handshake is logged, not dumped to stderr."""
        logger.debug("connection from %s failed", client_address, exc_info=True)


def make_server(
    engine: LocalEngine,
    host: str = "127.0.0.1",
    port: int = 9200,
    *,
    allow_remote: bool = False,
    token_value: str | None = None,
    allowed_hosts: Iterable[str] = (),
    tls: TlsFiles | None = None,
) -> EngineServer:
    """Bind the facade; non-loopback hosts are refused unless ``allow_remote``.

    ``token_value`` defaults to the engine directory's token file (created on first use).
    """
    if not allow_remote and not is_loopback(host):
        raise ConfigError(f"refusing to serve on non-loopback host {host!r}; pass --allow-remote to do so")
    if not 0 <= port <= MAX_PORT:
        raise ConfigError(f"cannot listen on {host}:{port}: the port must be between 0 and {MAX_PORT}")
    context = tls_context(tls) if tls is not None else None
    secret = token_value if token_value is not None else token.read_or_create_token(engine.directory)
    checks = guard.Guard.build(secret, host, allowed_hosts)
    try:
        return EngineServer(engine, host, port, checks, context)
    except OSError as exc:
        raise ConfigError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from exc
