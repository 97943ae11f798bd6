"""Remote calls connect to the very address the special-use check looked at, and keep the host name."""

import json
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import executorkit as kit
import httpcore
import pytest
import tlskit

from mlgitops.engine.executor import run_predict
from mlgitops.engine.executor.pinning import RemotePools
from mlgitops.errors import EngineError, MlGitOpsError, RemoteModelError
from serverkit import JSONHandler, loopback_server

PUBLIC = "93.184.216.34"
ANY_URL = {"plugins.ml_commons.trusted_connector_endpoints_regex": [r"^https?://.*$"]}
PRIVATE_OK = {**ANY_URL, "plugins.ml_commons.connector.private_ip_enabled": True}


class LoopbackOnly(httpcore.NetworkBackend):
    """Records every address asked for; connects to loopback only, so no test traffic leaves the host."""

    def __init__(self) -> None:
        self.asked: list[str] = []
        self._real = httpcore.SyncBackend()

    def connect_tcp(self, host: str, port: int, *args: Any, **kwargs: Any) -> httpcore.NetworkStream:
        self.asked.append(host)
        if host not in ("127.0.0.1", "::1"):
            raise httpcore.ConnectError(f"test network: {host} is not reachable")
        return self._real.connect_tcp(host, port, *args, **kwargs)


@pytest.fixture
def listener() -> Iterator[tuple[int, list[bytes]]]:
    """A raw TCP listener on 127.0.0.1 recording whatever any client sends it."""
    received: list[bytes] = []
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(0.2)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except TimeoutError:
                continue
            with conn:
                conn.settimeout(1)
                received.append(conn.recv(65536))

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield server.getsockname()[1], received
    stop.set()
    thread.join()
    server.close()


def test_a_name_rebinding_to_loopback_after_the_check_never_reaches_it(listener) -> None:
    port, received = listener
    answers = iter([[PUBLIC]])
    lookups: list[str] = []

    def rebinding(host: str, _port: int) -> list[str]:
        lookups.append(host)
        return next(answers, ["127.0.0.1"])

    network = LoopbackOnly()
    pools = RemotePools(resolver=rebinding, network=network)
    connector = kit.openai_embedding(f"http://localhost:{port}")
    connector["client_config"] = {"max_retry_times": 2, "retry_backoff_millis": 1}
    with pytest.raises(MlGitOpsError) as err:
        run_predict(connector, kit.OPENAI_CREDS, {"text_docs": ["x"]}, settings=ANY_URL, pools=pools)
    pools.close()
    assert received == []
    assert network.asked == [PUBLIC]  # the checked address; the later loopback answers were refused
    assert isinstance(err.value, EngineError)
    assert str(err.value) == "Remote inference host name has private ip address: localhost"
    assert kit.OPENAI_CREDS["openAI_key"] not in str(err.value)
    assert len(lookups) == 2


@pytest.mark.parametrize(
    "host",
    [
        "[::127.0.0.1]",
        "[::ffff:127.0.0.1]",
        "[64:ff9b::7f00:1]",
        "100.64.0.1",
        "198.18.0.1",
        "224.0.0.1",
        "[ff02::1]",
        "255.255.255.255",
        "0.0.0.0",
        "169.254.169.254",
    ],
)
def test_special_use_address_literals_are_refused_before_connecting(host: str) -> None:
    network = LoopbackOnly()
    refused = r"^Remote inference host name has private ip address: "
    with RemotePools(network=network) as pools, pytest.raises(EngineError, match=refused):
        run_predict(
            kit.openai_embedding(f"http://{host}:8080"),
            kit.OPENAI_CREDS,
            {"text_docs": ["x"]},
            settings=ANY_URL,
            pools=pools,
        )
    assert network.asked == []


def test_an_unresolvable_host_is_a_connection_error() -> None:
    with (
        RemotePools(resolver=lambda _h, _p: [], network=LoopbackOnly()) as pools,
        pytest.raises(
            RemoteModelError, match=r"^Error communicating with remote model: unknown host nx\.test$"
        ),
    ):
        run_predict(
            kit.openai_embedding("http://nx.test"),
            kit.OPENAI_CREDS,
            {"text_docs": ["x"]},
            settings=ANY_URL,
            pools=pools,
        )


def _model_test(_host: str, _port: int) -> list[str]:
    return ["127.0.0.1"]


def test_tls_to_a_pinned_loopback_address_verifies_the_host_name(tmp_path: Path) -> None:
    ca = tlskit.make_ca(tmp_path, "model.test")
    pools = RemotePools(resolver=_model_test, verify=ca.client_context())
    with tlskit.https_server(ca) as (port, seen), pools:
        result = run_predict(
            kit.openai_embedding(f"https://model.test:{port}"),
            kit.OPENAI_CREDS,
            {"text_docs": ["x"]},
            settings=PRIVATE_OK,
            pools=pools,
        )
    assert result["inference_results"][0]["output"][0]["data"] == [0.25]
    assert seen.sni == ["model.test"]
    assert seen.hosts == [f"model.test:{port}"]


def test_tls_refuses_a_certificate_for_another_name_at_the_pinned_address(tmp_path: Path) -> None:
    ca = tlskit.make_ca(tmp_path, "other.test")
    pools = RemotePools(resolver=_model_test, verify=ca.client_context())
    with tlskit.https_server(ca) as (port, seen), pools, pytest.raises(RemoteModelError) as err:
        run_predict(
            kit.openai_embedding(f"https://model.test:{port}"),
            kit.OPENAI_CREDS,
            {"text_docs": ["x"]},
            settings=PRIVATE_OK,
            pools=pools,
        )
    assert "CERTIFICATE_VERIFY_FAILED" in str(err.value)
    assert "model.test" in str(err.value)
    assert seen.hosts == []


def test_a_pooled_loopback_connection_is_not_reused_once_private_addresses_are_refused(
    standin, settings
) -> None:
    connector = kit.openai_embedding(standin.url)
    refusing = {**settings, "plugins.ml_commons.connector.private_ip_enabled": False}
    with RemotePools() as pools:
        run_predict(connector, kit.OPENAI_CREDS, {"text_docs": ["x"]}, settings=settings, pools=pools)
        with pytest.raises(EngineError, match=r"^Remote inference host name has private ip address: 127"):
            run_predict(connector, kit.OPENAI_CREDS, {"text_docs": ["x"]}, settings=refusing, pools=pools)
    assert pools.is_closed
    assert len(standin.requests) == 1


class CookieSetter(JSONHandler):
    """Sets a session cookie and records the Cookie header of every request."""

    cookies: list[str | None] = []

    def on_post(self, body: object) -> None:
        self.cookies.append(self.headers.get("Cookie"))
        self.send_response(200)
        payload = json.dumps(tlskit.EMBEDDING_ANSWER).encode()
        self.send_header("Set-Cookie", "session=from-connector-a; Path=/")
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


def test_no_cookie_from_one_remote_answer_is_sent_with_the_next_call(settings) -> None:
    CookieSetter.cookies = []
    with loopback_server(CookieSetter) as base, RemotePools() as pools:
        for _ in range(2):
            run_predict(
                kit.openai_embedding(base),
                kit.OPENAI_CREDS,
                {"text_docs": ["x"]},
                settings=settings,
                pools=pools,
            )
    assert CookieSetter.cookies == [None, None]
