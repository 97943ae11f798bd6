"""The facade's guard over real loopback sockets: Host allowlist, bearer token, JSON-only bodies, limits."""

import datetime
import ipaddress
import json
import socket
import ssl
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from mlgitops.cli.main import main
from mlgitops.engine import LocalEngine
from mlgitops.engine.http import bodies
from mlgitops.engine.http.server import EngineServer, TlsFiles, make_server
from mlgitops.errors import ConfigError
from serverkit import serving

TOKEN = "guard-token-0123456789abcdefghijklmnopqrstuvwxyz"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
REGISTER = "/_plugins/_ml/model_groups/_register"


@pytest.fixture
def engine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[LocalEngine]:
    monkeypatch.delenv("MLGITOPS_MASTER_KEY", raising=False)
    with LocalEngine(tmp_path / "engine") as opened:
        yield opened


@pytest.fixture
def server(engine: LocalEngine) -> Iterator[EngineServer]:
    with serving(make_server(engine, "127.0.0.1", 0, token_value=TOKEN)) as served:
        yield served


@pytest.fixture
def client(server: EngineServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, headers=AUTH, timeout=30) as opened:
        yield opened


def _groups(engine: LocalEngine) -> int:
    return int(engine.info()["model_groups"])


def _error_type(response: httpx.Response) -> str:
    assert response.headers["content-type"].startswith("application/json")
    return str(response.json()["error"]["type"])


def test_the_token_is_required(server: EngineServer, engine: LocalEngine) -> None:
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Basic {TOKEN}"}):
        response = httpx.post(f"{server.url}{REGISTER}", json={"name": "g"}, headers=headers)
        assert response.status_code == 401
        assert _error_type(response) == "security_exception"
        assert response.headers["www-authenticate"] == 'Bearer realm="mlgitops"'
        assert TOKEN not in response.text
    assert _groups(engine) == 0
    assert httpx.post(f"{server.url}{REGISTER}", json={"name": "g"}, headers=AUTH).status_code == 200


def test_a_missing_token_says_where_the_token_is(server: EngineServer) -> None:
    reason = httpx.get(server.url).json()["error"]["reason"]
    assert reason.startswith("missing bearer token: send Authorization: Bearer <token>")
    assert "api.token" in reason


def test_make_server_uses_the_engine_directory_token(engine: LocalEngine) -> None:
    with serving(make_server(engine, "127.0.0.1", 0)) as served:
        token = (engine.directory / "api.token").read_text().strip()
        assert len(token) >= 32
        assert httpx.get(served.url, headers={"Authorization": f"Bearer {token}"}).status_code == 200
        assert httpx.get(served.url, headers=AUTH).status_code == 401


def _port(server: EngineServer) -> int:
    return int(server.server_address[1])


@pytest.mark.parametrize(
    "host",
    ["attacker.example", "attacker.example:9200", "127.0.0.1.nip.io", "192.168.1.5", "", "localhost.evil"],
)
def test_a_foreign_host_header_is_refused(server: EngineServer, engine: LocalEngine, host: str) -> None:
    """A page on attacker.example whose name was rebound to 127.0.0.1 still sends its own Host."""
    response = httpx.post(f"{server.url}{REGISTER}", json={"name": "g"}, headers={**AUTH, "Host": host})
    assert response.status_code == 421
    assert _error_type(response) == "security_exception"
    assert _groups(engine) == 0


@pytest.mark.parametrize(
    "host", ["127.0.0.1", "localhost", "LOCALHOST:{port}", "127.0.0.1:{port}", "[::1]:{port}"]
)
def test_loopback_host_headers_are_accepted(server: EngineServer, host: str) -> None:
    headers = {**AUTH, "Host": host.format(port=_port(server))}
    assert httpx.get(server.url, headers=headers).status_code == 200


def test_allowed_hosts_can_be_added(engine: LocalEngine) -> None:
    built = make_server(engine, "127.0.0.1", 0, token_value=TOKEN, allowed_hosts=["search.internal"])
    with serving(built) as served:
        headers = {**AUTH, "Host": f"search.internal:{_port(served)}"}
        assert httpx.get(served.url, headers=headers).status_code == 200
        assert httpx.get(served.url, headers={**AUTH, "Host": "other.internal"}).status_code == 421


@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", None],
)
def test_a_body_not_declared_as_json_is_refused(
    server: EngineServer, engine: LocalEngine, content_type: str | None
) -> None:
    """Browsers send these cross-origin without a preflight; the facade refuses them all."""
    headers = dict(AUTH) if content_type is None else {**AUTH, "Content-Type": content_type}
    response = httpx.post(f"{server.url}{REGISTER}", content=b'{"name": "g"}', headers=headers)
    assert response.status_code == 406
    assert _error_type(response) == "illegal_argument_exception"
    assert _groups(engine) == 0


def test_json_and_ndjson_bodies_are_accepted(client: httpx.Client) -> None:
    types = ("application/json", "application/json; charset=UTF-8", "application/x-ndjson")
    for number, content_type in enumerate(types):
        body = json.dumps({"name": f"g{number}"}).encode()
        response = client.post(REGISTER, content=body, headers={"Content-Type": content_type})
        assert response.status_code == 200, response.text


@pytest.mark.parametrize("method", ["PATCH", "OPTIONS", "TRACE", "PROPFIND"])
def test_other_methods_get_a_json_405(client: httpx.Client, method: str) -> None:
    response = client.request(method, REGISTER)
    assert response.status_code == 405
    assert _error_type(response) == "illegal_argument_exception"
    assert response.headers["allow"] == "GET, POST, PUT, DELETE, HEAD"


def test_deep_nesting_is_a_400_not_a_500(client: httpx.Client) -> None:
    for depth in (101, 5_000, 200_000):
        body = b"[" * depth + b"]" * depth
        response = client.post(REGISTER, content=body, headers={"Content-Type": "application/json"})
        assert response.status_code == 400, response.text[:200]
        assert "deeper than 100 levels" in response.json()["error"]["reason"]
    nested: object = {"name": "deep-enough"}
    for _ in range(90):
        nested = {"n": nested}
    response = client.post("/scratch/_doc/1", json=nested)
    assert response.status_code == 201, response.text[:200]


def test_brackets_inside_strings_do_not_count_as_nesting(client: httpx.Client) -> None:
    response = client.post(REGISTER, json={"name": "g", "description": "[" * 500 + "{" * 500})
    assert response.status_code == 200, response.text[:200]


def test_an_oversized_body_is_refused_before_it_is_read(server: EngineServer) -> None:
    head = (
        f"POST {REGISTER} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {TOKEN}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {bodies.MAX_BODY + 1}\r\n\r\n"
    ).encode()
    with socket.create_connection(("127.0.0.1", _port(server)), timeout=10) as sock:
        sock.sendall(head)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    status, _, rest = data.partition(b"\r\n")
    assert status == b"HTTP/1.1 413 Request Entity Too Large"
    assert json.loads(rest.partition(b"\r\n\r\n")[2])["error"]["type"] == "content_too_long_exception"


def test_http_layer_errors_are_json(server: EngineServer) -> None:
    with socket.create_connection(("127.0.0.1", _port(server)), timeout=10) as sock:
        sock.sendall(b"GARBAGE\r\n\r\n")
        data = b""
        while chunk := sock.recv(65536):  # the server closes the connection after an error
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400")
    assert json.loads(body)["status"] == 400


def test_the_listen_backlog_holds_a_burst(server: EngineServer) -> None:
    assert server.request_queue_size >= 128


def _self_signed(directory: Path) -> TlsFiles:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False
        )
        .sign(key, hashes.SHA256())
    )
    files = TlsFiles(directory / "cert.pem", directory / "key.pem")
    files.cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    files.key.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return files


def test_tls_serves_https_and_refuses_plain_http(engine: LocalEngine, tmp_path: Path) -> None:
    files = _self_signed(tmp_path)
    with serving(make_server(engine, "127.0.0.1", 0, token_value=TOKEN, tls=files)) as served:
        assert served.url.startswith("https://127.0.0.1:")
        trusted = ssl.create_default_context(cafile=str(files.cert))
        response = httpx.get(served.url, headers=AUTH, verify=trusted)
        assert response.json()["version"]["number"] == "2.19.0"
        with pytest.raises(httpx.HTTPError):
            httpx.get(served.url.replace("https://", "http://"), headers=AUTH, timeout=5)
        # A client that never finishes its handshake does not block anyone else.
        with socket.create_connection(("127.0.0.1", _port(served)), timeout=10):
            assert httpx.get(served.url, headers=AUTH, verify=trusted).status_code == 200


def test_unusable_tls_files_are_a_config_error(engine: LocalEngine, tmp_path: Path) -> None:
    (tmp_path / "cert.pem").write_text("not a certificate")
    with pytest.raises(ConfigError, match=r"^cannot load TLS certificate .*cert\.pem and key .*key\.pem: "):
        make_server(engine, "127.0.0.1", 0, tls=TlsFiles(tmp_path / "cert.pem", tmp_path / "key.pem"))


def test_tls_options_go_together(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["engine", "serve", "--dir", str(tmp_path / "e"), "--tls-cert", str(tmp_path / "c.pem")])
    assert code == 1
    assert capsys.readouterr().err == (
        "error: --tls-cert and --tls-key go together: give both, or neither for plain HTTP\n"
    )
    assert not (tmp_path / "e").exists()
