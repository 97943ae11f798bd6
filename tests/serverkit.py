"""Server helpers for tests: a JSON loopback server, `mlgitops engine serve` start-up and shut-down."""

import json
import os
import signal
import ssl
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from socketserver import BaseServer
from typing import Any, TypeVar

import pytest

Server = TypeVar("Server", bound=BaseServer)


class JSONHandler(BaseHTTPRequestHandler):
    """A request handler that hands each POST's JSON body to ``on_post``, answers JSON and logs nothing."""

    def do_POST(self) -> None:
        self.on_post(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))

    def on_post(self, body: Any) -> None:
        """Answer a POST whose JSON body is ``body`` (with ``send_json``)."""
        raise NotImplementedError

    def send_json(self, status: int, data: object) -> None:
        """Answer ``data`` as JSON with ``status``."""
        payload = json.dumps(data).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args: object) -> None:
        pass


@contextmanager
def serving(server: Server) -> Iterator[Server]:
    """Run ``server`` in a thread for the block; yields it, then shuts it down and closes it."""
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@contextmanager
def loopback_server(
    handler: type[BaseHTTPRequestHandler], *, tls: ssl.SSLContext | None = None
) -> Iterator[str]:
    """Serve ``handler`` on 127.0.0.1 (a free port) in a thread, over TLS given ``tls``; yields the URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    with serving(server):
        yield f"{'https' if tls else 'http'}://127.0.0.1:{server.server_address[1]}"


def stop_signalled(process: subprocess.Popen[str], timeout: float) -> tuple[str, str]:
    """Wait for a signalled server to exit; kill it (and fail) rather than leave it running."""
    try:
        return process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        _, stderr = process.communicate()
        pytest.fail(f"the server ignored the signal; stderr: {stderr[-2000:]}")


def start_engine(directory: Path) -> tuple[subprocess.Popen[str], str]:
    """Start ``mlgitops engine serve`` (no MLGITOPS_MASTER_KEY) on a free port; returns it and its URL."""
    env = {k: v for k, v in os.environ.items() if k != "MLGITOPS_MASTER_KEY"}
    process = subprocess.Popen(
        [sys.executable, "-m", "mlgitops", "engine", "serve", "--dir", str(directory), "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert process.stdout is not None
    line = process.stdout.readline().strip()
    assert line.startswith(f"serving ML Commons API for {directory} on http://127.0.0.1:"), line
    token_line = process.stdout.readline().strip()
    assert f"the token is in {directory / 'api.token'} " in token_line, token_line
    return process, line.rsplit(" ", 1)[1]


def engine_token(directory: Path) -> str:
    """The bearer token ``mlgitops engine serve`` created in ``directory``."""
    return (directory / "api.token").read_text().strip()


@pytest.fixture(name="served")
def served_fixture(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """``mlgitops engine serve`` in ``tmp_path / "engine"``: its URL and directory.

    Stopped with ^C afterwards, which must end it with exit 130 and no traceback.
    """
    directory = tmp_path / "engine"
    process, url = start_engine(directory)
    try:
        yield url, directory
    finally:
        process.send_signal(signal.SIGINT)
        _, stderr = stop_signalled(process, 30)
        assert process.returncode == 130, stderr
        assert "Traceback" not in stderr
