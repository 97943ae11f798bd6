"""``StandinServer``: a loopback HTTP server answering like OpenAI, Cohere, Bedrock and SageMaker."""

import json
import logging
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

from mlgitops.standin.routes import Credentials, Reply, route

logger = logging.getLogger(__name__)

# Documented demo credentials (scripts/demo.sh exports the same values); never real keys.
DEMO_OPENAI_KEY = "demo-openai-key"
DEMO_COHERE_KEY = "demo-cohere-key"
DEMO_AWS_ACCESS_KEY = "AKIADEMOEXAMPLEKEY01"
DEMO_AWS_SECRET_KEY = "demo-aws-secret-key"  # noqa: S105 - public demo value
DEFAULT_DIMENSION = 8


@dataclass(frozen=True)
class RecordedRequest:
    """A request as the stand-in received it (header names lower-case)."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    client_port: int = 0

    def json(self) -> Any:
        """The body parsed as JSON."""
        return json.loads(self.body.decode("utf-8"))


class _Handler(BaseHTTPRequestHandler):
    server: "_HTTPServer"
    protocol_version = "HTTP/1.1"
    # Headers and body are separate writes: without TCP_NODELAY every keep-alive reply waits
    # ~40 ms for the client's delayed ACK (Nagle).
    disable_nagle_algorithm = True

    def do_POST(self) -> None:
        self._handle()

    def do_GET(self) -> None:
        self._handle()

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        headers = {name.lower(): value for name, value in self.headers.items()}
        self.server.owner.handle(
            self, RecordedRequest(self.command, self.path, headers, body, self.client_address[1])
        )

    def send_reply(self, reply: Reply) -> None:
        payload = json.dumps(reply.body).encode("utf-8")
        self.send_response(reply.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("stand-in: " + format, *args)


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], owner: "StandinServer") -> None:
        super().__init__(address, _Handler)
        self.owner = owner


class StandinServer:
    """A stand-in model server; use as a context manager, or ``serve_forever()`` from the CLI.

    ``requests`` lists every request received. ``fail_next(status, times)`` makes the next requests
    fail (to exercise retries) and ``delay`` (seconds) slows every answer (to exercise timeouts).
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        aws_access_key: str = DEMO_AWS_ACCESS_KEY,
        aws_secret_key: str = DEMO_AWS_SECRET_KEY,
        api_keys: Mapping[str, str] | None = None,
        dimension: int = DEFAULT_DIMENSION,
    ) -> None:
        keys = {"openai": DEMO_OPENAI_KEY, "cohere": DEMO_COHERE_KEY, **(api_keys or {})}
        self.credentials = Credentials(keys, aws_access_key, aws_secret_key)
        self.dimension = dimension
        self.requests: list[RecordedRequest] = []
        self.delay = 0.0
        self._failures: list[int] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._httpd = _HTTPServer((host, port), self)

    def __repr__(self) -> str:
        return f"StandinServer(url={self.url!r})"

    @property
    def url(self) -> str:
        """``http://host:port`` of the listening socket."""
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def fail_next(self, status: int, times: int = 1) -> None:
        """Answer the next ``times`` requests with ``status`` and an error body."""
        with self._lock:
            self._failures.extend([status] * times)

    def handle(self, handler: _Handler, request: RecordedRequest) -> None:
        """Record ``request`` and answer it (called on the server's worker threads)."""
        with self._lock:
            self.requests.append(request)
            injected = self._failures.pop(0) if self._failures else None
        if self.delay and self._stopping.wait(self.delay):
            return
        if injected is not None:
            handler.send_reply(Reply(injected, {"message": f"injected failure {injected}"}))
            return
        creds, dimension = self.credentials, self.dimension
        handler.send_reply(
            route(request.method, request.path, request.headers, request.body, creds, dimension)
        )

    def start(self) -> "StandinServer":
        """Serve on a background thread."""
        serve = self._httpd.serve_forever
        self._thread = threading.Thread(target=serve, args=(0.05,), name="standin", daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve on the calling thread until ``stop()`` (or an exception such as KeyboardInterrupt)."""
        self._httpd.serve_forever()

    def stop(self) -> None:
        """Stop serving and close the socket."""
        self._stopping.set()
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join()
            self._thread = None
        self._httpd.server_close()

    def __enter__(self) -> "StandinServer":
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
