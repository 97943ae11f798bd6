"""``mlgitops standin serve``: prints its URL, serves with keys from the environment, exits 0 on SIGTERM."""

import os
import signal
import socket
import subprocess
import sys
import threading

import httpx
import pytest

from mlgitops.cli import serving
from mlgitops.cli.commands import standin as standin_command
from mlgitops.cli.errors import EXIT_USAGE
from mlgitops.cli.main import main
from serverkit import stop_signalled


def test_serve_prints_the_url_and_stops_on_sigterm() -> None:
    env = {**os.environ, "OPENAI_API_KEY": "env-openai-key"}
    env.pop("COHERE_API_KEY", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "mlgitops", "standin", "serve", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline().strip()
        assert line.startswith("stand-in model server listening on http://127.0.0.1:")
        url = line.rsplit(" ", 1)[1]
        auth = {"Authorization": "Bearer env-openai-key"}
        assert (
            httpx.post(f"{url}/v1/embeddings", json={"input": "x"}, headers=auth, timeout=10).status_code
            == 200
        )
        demo = {"Authorization": "Bearer demo-cohere-key"}
        assert (
            httpx.post(f"{url}/v1/embed", json={"texts": ["x"]}, headers=demo, timeout=10).status_code == 200
        )
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = stop_signalled(process, 10)
    assert process.returncode == 0, stderr


def test_a_busy_port_is_a_one_line_error(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        assert main(["standin", "serve", "--port", str(port)]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"error: cannot listen on 127.0.0.1:{port}: ")
    assert err.count("\n") == 1


def test_an_out_of_range_port_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["standin", "serve", "--port", "70000"])
    assert exited.value.code == EXIT_USAGE
    err = capsys.readouterr().err
    assert "argument --port: invalid port 70000: must be between 0 and 65535" in err
    assert "Traceback" not in err


def test_sigterm_while_a_request_thread_starts_still_stops_the_server() -> None:
    """socketserver swallows Exceptions raised while it starts a request thread; SIGTERM must get out."""
    outcome: list[BaseException] = []
    server = standin_command.build_server("127.0.0.1", 0)

    def terminate_instead(*_args: object) -> None:
        serving._raise_terminated(signal.SIGTERM, None)

    server._httpd.process_request = terminate_instead  # type: ignore[method-assign,assignment]

    def serve() -> None:
        try:
            server.serve_forever()
        except BaseException as exc:
            outcome.append(exc)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    host, port = server.url.removeprefix("http://").rsplit(":", 1)
    with socket.create_connection((host, int(port))):
        thread.join(timeout=30)
    if thread.is_alive():
        server._httpd.shutdown()
    server.stop()
    assert [type(exc).__name__ for exc in outcome] == ["_Terminated"]
