"""Kept-alive connections stay on the address checked when they were opened; new ones are checked again."""

import json
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from typing import Any, ClassVar

import executorkit as kit
import httpcore
import pytest

from mlgitops.engine.executor import run_predict
from mlgitops.engine.executor.pinning import RemotePools
from mlgitops.errors import EngineError
from serverkit import loopback_server

PUBLIC = "93.184.216.34"
OTHER_PUBLIC = "93.184.216.35"
REFUSING = {"plugins.ml_commons.trusted_connector_endpoints_regex": [r"^http://[a-z]+\.test:\d+/.*$"]}
ANSWER = {"object": "list", "data": [{"object": "embedding", "index": 0, "embedding": [0.25]}]}


class KeepAlive(BaseHTTPRequestHandler):
    """HTTP/1.1 with keep-alive; records the client port of each request; closes after ``close_on``."""

    protocol_version = "HTTP/1.1"
    ports: ClassVar[list[int]] = []
    close_on: ClassVar[int] = 0

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["Content-Length"]))
        self.ports.append(self.client_address[1])
        payload = json.dumps(ANSWER).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        if len(self.ports) == self.close_on:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args: object) -> None:
        pass


class PublicToLoopback(httpcore.NetworkBackend):
    """Records every address connected to; 'public' test addresses are served by the loopback server."""

    def __init__(self) -> None:
        self.asked: list[str] = []
        self._real = httpcore.SyncBackend()

    def connect_tcp(self, host: str, port: int, *args: Any, **kwargs: Any) -> httpcore.NetworkStream:
        self.asked.append(host)
        if host not in (PUBLIC, OTHER_PUBLIC):
            raise httpcore.ConnectError(f"test network: {host} is not reachable")
        return self._real.connect_tcp("127.0.0.1", port, *args, **kwargs)


@pytest.fixture
def port() -> Iterator[int]:
    KeepAlive.ports, KeepAlive.close_on = [], 0
    with loopback_server(KeepAlive) as base:
        yield int(base.rsplit(":", 1)[1])


def predict(pools: RemotePools, url: str) -> dict[str, Any]:
    return run_predict(
        kit.openai_embedding(url), kit.OPENAI_CREDS, {"text_docs": ["x"]}, settings=REFUSING, pools=pools
    )


def test_a_kept_connection_is_never_moved_and_a_rebound_name_is_refused_on_the_next_one(port) -> None:
    answers = {"model.test": [PUBLIC]}
    lookups: list[str] = []

    def resolver(host: str, _port: int) -> list[str]:
        lookups.append(host)
        return answers[host]

    network = PublicToLoopback()
    KeepAlive.close_on = 2
    with RemotePools(resolver=resolver, network=network) as pools:
        predict(pools, f"http://model.test:{port}")
        answers["model.test"] = ["10.0.0.5"]  # the name now points inside
        predict(pools, f"http://model.test:{port}")  # the kept connection, still to the checked address
        with pytest.raises(EngineError, match=r"^Remote inference host name has private ip address: model"):
            predict(pools, f"http://model.test:{port}")  # the server closed it: a new one is checked
    assert network.asked == [PUBLIC]
    assert lookups == ["model.test", "model.test"]
    assert len(KeepAlive.ports) == 2 and len(set(KeepAlive.ports)) == 1


def test_a_connection_to_one_checked_address_is_not_reused_for_another(port) -> None:
    addresses = {"model.test": [PUBLIC], "other.test": [OTHER_PUBLIC]}
    network = PublicToLoopback()
    with RemotePools(resolver=lambda host, _port: addresses[host], network=network) as pools:
        for _ in range(2):
            predict(pools, f"http://model.test:{port}")
            predict(pools, f"http://other.test:{port}")
    assert network.asked == [PUBLIC, OTHER_PUBLIC]
    first, second, third, fourth = KeepAlive.ports
    assert first == third and second == fourth and first != second
