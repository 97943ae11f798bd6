"""The HTTP facade over real loopback sockets: malformed requests get OpenSearch errors, never tracebacks."""

import json
import socket
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from mlgitops.engine import LocalEngine
from mlgitops.engine.http.server import EngineServer, make_server
from serverkit import serving

TOKEN = "test-token-0123456789abcdefghijklmnopqrstuvwxyz"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
JSON = {**AUTH, "Content-Type": "application/json"}
RAW_HEADERS = (
    f"Host: 127.0.0.1\r\nAuthorization: Bearer {TOKEN}\r\nContent-Type: application/json\r\n".encode()
)


@pytest.fixture
def server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[EngineServer]:
    monkeypatch.delenv("MLGITOPS_MASTER_KEY", raising=False)
    with (
        LocalEngine(tmp_path) as engine,
        serving(make_server(engine, "127.0.0.1", 0, token_value=TOKEN)) as served,
    ):
        yield served


def _raw(server: EngineServer, request: bytes) -> tuple[str, dict[str, object]]:
    """Send raw bytes; returns the status line and the JSON body (the server closes the connection)."""
    host, port = server.server_address[:2]
    with socket.create_connection((str(host), port), timeout=10) as sock:
        sock.sendall(request)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    return head.split(b"\r\n", 1)[0].decode(), json.loads(body)


@pytest.mark.parametrize("length", [b"abc", b"-5"])
def test_a_bad_content_length_is_a_400(
    server: EngineServer, length: bytes, capsys: pytest.CaptureFixture[str]
) -> None:
    request = (
        b"POST /_plugins/_ml/model_groups/_register HTTP/1.1\r\n" + RAW_HEADERS + b"Content-Length: " + length
    )
    status, body = _raw(server, request + b"\r\n\r\n{}")
    assert status == "HTTP/1.1 400 Bad Request"
    assert body["error"]["reason"] == f"invalid Content-Length [{length.decode()}]"  # type: ignore[index]
    assert "Traceback" not in capsys.readouterr().err


def test_a_non_json_body_is_a_parse_error(server: EngineServer) -> None:
    for content in (b"not json", b'{"name": "a",}', b"\xff\xfe"):
        response = httpx.post(
            f"{server.url}/_plugins/_ml/model_groups/_register", content=content, headers=JSON
        )
        assert response.status_code == 400, response.text
        assert response.json()["error"]["type"] == "json_parse_exception"
    response = httpx.post(f"{server.url}/_plugins/_ml/connectors/_create", json=["a", "list"], headers=AUTH)
    assert response.json()["error"]["reason"] == (
        "Failed to parse object: expecting token of type [START_OBJECT] but found [START_ARRAY]"
    )


def test_head_has_no_body_and_keeps_the_connection_usable(server: EngineServer) -> None:
    with httpx.Client(base_url=server.url, headers=AUTH) as client:
        assert client.head("/").status_code == 200
        assert client.head("/.mlgitops").status_code == 404
        assert client.get("/").json()["version"]["number"] == "2.19.0"


def test_ipv6_loopback_is_served(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MLGITOPS_MASTER_KEY", raising=False)
    try:
        socket.socket(socket.AF_INET6).close()
    except OSError:
        pytest.skip("no IPv6 on this machine")
    with LocalEngine(tmp_path) as engine, serving(make_server(engine, "::1", 0, token_value=TOKEN)) as served:
        assert served.url.startswith("http://[::1]:")
        assert httpx.get(served.url, headers=AUTH).json()["version"]["distribution"] == "opensearch"


def test_a_chunked_body_is_read(server: EngineServer) -> None:
    chunks = iter([b'{"name": "chun', b'ked"}'])  # httpx sends an iterator with Transfer-Encoding: chunked
    response = httpx.post(f"{server.url}/_plugins/_ml/model_groups/_register", content=chunks, headers=JSON)
    group_id = response.json()["model_group_id"]
    found = httpx.get(f"{server.url}/_plugins/_ml/model_groups/{group_id}", headers=AUTH)
    assert found.json()["name"] == "chunked"


def test_a_malformed_chunked_body_is_a_400(server: EngineServer) -> None:
    head = (
        b"POST /_plugins/_ml/model_groups/_register HTTP/1.1\r\n"
        + RAW_HEADERS
        + b"Transfer-Encoding: chunked\r\n\r\n"
    )
    status, body = _raw(server, head + b"zz\r\n{}\r\n0\r\n\r\n")
    assert status == "HTTP/1.1 400 Bad Request"
    assert body["error"]["reason"] == "invalid chunked request body"  # type: ignore[index]
