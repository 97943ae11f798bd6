"""The keep-alive pool: reuse per origin, stale and expired connections dropped, bounds kept."""

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from typing import Any, ClassVar

import httpcore
import httpx
import pytest

from mlgitops.engine.executor.keepalive import KeepAlivePool
from serverkit import loopback_server


class Echo(BaseHTTPRequestHandler):
    """HTTP/1.1 keep-alive; answers the client port; ``close_after`` closes after that many requests;
    ``hold`` blocks an answer until set."""

    protocol_version = "HTTP/1.1"
    close_after: ClassVar[int] = 0
    served: ClassVar[int] = 0
    hold: ClassVar[threading.Event | None] = None

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["Content-Length"]))
        if self.hold is not None:
            self.hold.wait(5)
        type(self).served += 1
        payload = json.dumps({"port": self.client_address[1]}).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(payload)))
        if self.close_after and self.served % self.close_after == 0:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args: object) -> None:
        pass


class Counting(httpcore.SyncBackend):
    """The socket backend, counting the connections it opens."""

    def __init__(self) -> None:
        self.opened = 0

    def connect_tcp(self, *args: Any, **kwargs: Any) -> httpcore.NetworkStream:
        self.opened += 1
        return super().connect_tcp(*args, **kwargs)


@pytest.fixture(autouse=True)
def fresh_server() -> None:
    Echo.close_after, Echo.served, Echo.hold = 0, 0, None


@pytest.fixture
def base() -> Iterator[str]:
    with loopback_server(Echo) as url:
        yield url


OPENED: list[KeepAlivePool] = []


@pytest.fixture(autouse=True)
def close_pools() -> Iterator[None]:
    yield
    while OPENED:
        OPENED.pop().close()


def make_pool(backend: httpcore.NetworkBackend, **limits: Any) -> KeepAlivePool:
    settings = {"max_connections": None, "max_keepalive": None, "keepalive_expiry": 5.0, **limits}
    pool = KeepAlivePool(backend, httpx.create_ssl_context(), **settings)
    OPENED.append(pool)
    return pool


def post(pool: KeepAlivePool, url: str, timeout: dict[str, float] | None = None) -> int:
    request = httpcore.Request(
        "POST", url, headers=[(b"Host", b"x"), (b"Content-Length", b"2")], content=b"{}"
    )
    if timeout is not None:
        request.extensions["timeout"] = timeout
    response = pool.handle_request(request)
    try:
        return int(json.loads(response.read())["port"])
    finally:
        response.close()


def test_sequential_requests_share_one_connection(base: str) -> None:
    backend = Counting()
    pool = make_pool(backend)
    ports = {post(pool, base + "/a") for _ in range(5)}
    assert len(ports) == 1
    assert backend.opened == 1


def test_a_connection_the_server_closed_is_replaced(base: str) -> None:
    Echo.close_after = 2
    backend = Counting()
    pool = make_pool(backend)
    ports = [post(pool, base + "/a") for _ in range(4)]
    assert ports[0] == ports[1] != ports[2] == ports[3]
    assert backend.opened == 2


def test_an_expired_connection_is_replaced(base: str) -> None:
    backend = Counting()
    pool = make_pool(backend, keepalive_expiry=0.05)
    first = post(pool, base + "/a")
    time.sleep(0.1)
    assert post(pool, base + "/a") != first
    assert backend.opened == 2


def test_each_origin_keeps_its_own_connections(base: str) -> None:
    with loopback_server(Echo) as other:
        backend = Counting()
        pool = make_pool(backend)
        for _ in range(3):
            post(pool, base + "/a")
            post(pool, other + "/a")
    assert backend.opened == 2


def test_surplus_idle_connections_are_closed(base: str) -> None:
    Echo.hold = threading.Event()
    backend = Counting()
    pool = make_pool(backend, max_keepalive=1)
    threads = [threading.Thread(target=post, args=(pool, base + "/a")) for _ in range(3)]
    for thread in threads:
        thread.start()
    time.sleep(0.2)
    Echo.hold.set()
    for thread in threads:
        thread.join(5)
    assert backend.opened == 3
    assert len(pool._idle) == 1


def test_a_request_waits_for_a_free_connection_up_to_its_pool_timeout(base: str) -> None:
    Echo.hold = threading.Event()
    pool = make_pool(Counting(), max_connections=1)
    busy = threading.Thread(target=post, args=(pool, base + "/a"))
    busy.start()
    time.sleep(0.1)
    with pytest.raises(httpcore.PoolTimeout):
        post(pool, base + "/a", {"pool": 0.1})
    Echo.hold.set()
    busy.join(5)
    post(pool, base + "/a", {"pool": 1.0})  # the slot came back


def test_a_failed_request_gives_its_slot_back(base: str) -> None:
    pool = make_pool(Counting(), max_connections=1)
    with pytest.raises(httpcore.ConnectError):
        post(pool, "http://127.0.0.1:1/a", {"connect": 1.0, "pool": 0.1})
    post(pool, base + "/a", {"pool": 0.5})


def test_close_closes_idle_connections_and_keeps_none_after(base: str) -> None:
    backend = Counting()
    pool = make_pool(backend)
    post(pool, base + "/a")
    (idle,) = pool._idle
    pool.close()
    assert idle.is_closed()
    post(pool, base + "/a")
    assert pool._idle == []
    assert backend.opened == 2
