"""A loopback HTTP server for benchmarks: the engine's REST router, every answer delayed by a fixed time.

Run as a script (``python bench/latency.py ENGINE_DIR SECONDS``) it serves in its own process, so the
engine's work does not share the client's interpreter, as with a remote cluster; it prints its URL.
"""

import json
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from urllib.parse import parse_qsl, urlsplit

from mlgitops.engine import LocalEngine
from mlgitops.engine.http import rest


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256

    def __init__(self, engine: LocalEngine, latency: float) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.engine = engine
        self.latency = latency


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def setup(self) -> None:
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet."""

    def _serve(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length) if length else None
        time.sleep(self.server.latency)
        url = urlsplit(self.path)
        answer = rest.handle(self.server.engine, self.command, url.path, dict(parse_qsl(url.query)), body)
        payload = b"" if answer.body is None else json.dumps(answer.body).encode()
        self.send_response(answer.status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _serve  # noqa: N815 - the stdlib's names


class LatencyServer:
    """``with LatencyServer(engine, 0.02) as url:`` serves ``engine`` on loopback, +20 ms per request."""

    def __init__(self, engine: LocalEngine, latency: float) -> None:
        self._server = _Server(engine, latency)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> str:
        self._thread.start()
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def __exit__(
        self, _type: type[BaseException] | None, _exc: BaseException | None, _tb: TracebackType | None
    ) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()


def main() -> None:
    """Serve ``argv[1]`` with ``argv[2]`` seconds of latency until stdin closes."""
    with LocalEngine(Path(sys.argv[1])) as engine, LatencyServer(engine, float(sys.argv[2])) as url:
        sys.stdout.write(url + "\n")
        sys.stdout.flush()
        sys.stdin.read()


if __name__ == "__main__":
    main()
