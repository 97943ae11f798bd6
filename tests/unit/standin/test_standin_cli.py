"""``mlgitops standin serve``: prints its URL, serves with keys from the environment, exits 0 on SIGTERM."""

import os
import signal
import socket
import subprocess
import sys

import httpx
import pytest

from mlgitops.cli.main import main


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
        _, stderr = process.communicate(timeout=10)
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
