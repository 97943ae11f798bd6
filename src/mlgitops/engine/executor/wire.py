"""One HTTP exchange on a pinned connection pool, at the httpcore level: bytes out, an ``Answer`` back.

Requests are framed as httpx frames them (``Host`` first, ``Content-Length`` for a body, header
names and values ASCII) and answers are read as httpx reads them (Content-Encoding undone, text
decoded with the Content-Type charset, else UTF-8 with replacement); the httpx model objects are
only built for an answer that needs decoding. httpcore's errors come out under their own names,
with httpx's messages (both libraries use the same).
"""

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Protocol

import httpcore
import httpx

NETWORK_ERRORS = (
    httpcore.TimeoutException,
    httpcore.NetworkError,
    httpcore.ProtocolError,
    httpcore.ProxyError,
    httpcore.UnsupportedProtocol,
)
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


class Pool(Protocol):
    """A connection pool (``httpcore.ConnectionPool`` over pinned connections)."""

    def handle_request(self, request: httpcore.Request) -> httpcore.Response:
        """Send ``request``; the response body is read by the caller."""
        ...


@dataclass(frozen=True)
class Target:
    """What a URL gives a request: the httpcore URL and the ``Host`` header value."""

    url: httpcore.URL
    host: bytes


@lru_cache(maxsize=1024)
def target(url: str) -> Target:
    """The parsed form of ``url`` (kept: connectors call the same few URLs)."""
    parsed = httpx.URL(url)
    core = httpcore.URL(
        scheme=parsed.raw_scheme, host=parsed.raw_host, port=parsed.port, target=parsed.raw_path
    )
    return Target(core, parsed.netloc)


@dataclass(frozen=True)
class Answer:
    """A remote answer, read whole."""

    status: int
    headers: list[tuple[bytes, bytes]] = field(repr=False)
    content: bytes = field(repr=False)
    text: str = field(repr=False)

    def header(self, name: str) -> str:
        """The first value of header ``name`` (case-insensitive), or ``""``."""
        wanted = name.lower().encode("ascii")
        for key, value in self.headers:
            if key.lower() == wanted:
                return value.decode("latin-1")
        return ""


@dataclass(frozen=True)
class Headers:
    """Header lines encoded for the wire, and their lower-cased names."""

    lines: tuple[tuple[bytes, bytes], ...] = field(repr=False)  # may hold credentials
    names: frozenset[bytes]


def encode_headers(headers: dict[str, str]) -> Headers:
    """``headers`` as the wire takes them (ASCII names and values)."""
    lines = tuple((name.encode("ascii"), value.encode("ascii")) for name, value in headers.items())
    return Headers(lines, frozenset(name.lower() for name, _ in lines))


def frame(method: str, url: str, headers: dict[str, str] | Headers, body: bytes | None) -> httpcore.Request:
    """The httpcore request httpx would send for these parts (no extensions yet)."""
    aim = target(url)
    encoded = headers if isinstance(headers, Headers) else encode_headers(headers)
    names = encoded.names
    first = [] if b"host" in names else [(b"Host", aim.host)]
    raw = list(encoded.lines)
    if b"content-length" not in names and b"transfer-encoding" not in names:
        if body:
            raw.append((b"Content-Length", str(len(body)).encode("ascii")))
        elif method in _BODY_METHODS:
            first.append((b"Content-Length", b"0"))
    return httpcore.Request(method, aim.url, headers=first + raw, content=body or b"")


def exchange(pool: Pool, request: httpcore.Request, timeout: dict[str, Any]) -> Answer:
    """Send ``request`` through ``pool`` and read the whole answer."""
    request.extensions["timeout"] = timeout
    response = pool.handle_request(request)
    try:
        data = response.read()
    finally:
        response.close()
    return _answer(response.status, list(response.headers), data)


def _needs_decoding(headers: list[tuple[bytes, bytes]]) -> bool:
    for name, value in headers:
        lowered = name.lower()
        if lowered == b"content-encoding":
            if value.strip().lower() not in (b"", b"identity"):
                return True
        elif lowered == b"content-type" and b"charset" in value.lower():
            return True
    return False


def _answer(status: int, headers: list[tuple[bytes, bytes]], data: bytes) -> Answer:
    if not _needs_decoding(headers):
        return Answer(status, headers, data, data.decode("utf-8", errors="replace"))
    decoded = httpx.Response(status, headers=headers, content=data)
    return Answer(status, headers, decoded.content, decoded.text)
