"""A keep-alive pool of HTTP/1.1 connections, lighter per request than ``httpcore.ConnectionPool``.

Remote model calls need little of a general pool: one request per connection at a time, no HTTP/2,
no proxy, no queue of waiting requests to assign. Each request takes the most recently returned
idle connection to its origin (closing those that expired or that the server closed meanwhile) or
opens a new one through the pool's network backend (``pinning.PinnedBackend``, which checks the
address), and gives it back when its response is closed. At most ``max_connections`` are open at
once (a request waits up to its ``pool`` timeout for one), at most ``max_keepalive`` are kept idle
(None: no bound, as httpx's ``Limits()``).
"""

import threading
from collections.abc import Iterable, Iterator
from ssl import SSLContext

import httpcore


class KeepAlivePool:
    """Kept-alive connections per origin (scheme, host, port) over one network backend."""

    def __init__(
        self,
        backend: httpcore.NetworkBackend,
        ssl_context: SSLContext,
        *,
        max_connections: int | None,
        max_keepalive: int | None,
        keepalive_expiry: float | None,
    ) -> None:
        self._backend = backend
        self._ssl_context = ssl_context
        self._max_keepalive = max_keepalive
        self._keepalive_expiry = keepalive_expiry
        self._slots = None if max_connections is None else threading.BoundedSemaphore(max_connections)
        self._idle: list[httpcore.HTTPConnection] = []  # the most recently returned last
        self._lock = threading.Lock()
        self._closed = False

    def handle_request(self, request: httpcore.Request) -> httpcore.Response:
        """Send ``request`` on a kept or new connection; its response gives it back when closed."""
        if self._slots is not None:
            timeout = request.extensions.get("timeout", {}).get("pool")
            if not self._slots.acquire(timeout=-1 if timeout is None else timeout):
                raise httpcore.PoolTimeout("timed out waiting for a free connection to the remote model")
        try:
            connection, response = self._send(request)
        except BaseException:
            self._release()
            raise
        assert isinstance(response.stream, Iterable)  # a sync connection's body
        response.stream = _Returning(response.stream, self, connection)
        return response

    def _send(self, request: httpcore.Request) -> tuple[httpcore.HTTPConnection, httpcore.Response]:
        origin = request.url.origin
        while True:
            connection = self._kept(origin) or self._new(origin)
            try:
                return connection, connection.handle_request(request)
            except httpcore.ConnectionNotAvailable:
                connection.close()  # it stopped being usable after it was taken: try another
            except BaseException:
                connection.close()
                raise

    def _kept(self, origin: httpcore.Origin) -> httpcore.HTTPConnection | None:
        """The most recently returned usable idle connection to ``origin``; the stale ones are closed."""
        found = None
        with self._lock:
            stale = [each for each in self._idle if each.is_closed() or each.has_expired()]
            if stale:
                self._idle = [each for each in self._idle if each not in stale]
            for index in range(len(self._idle) - 1, -1, -1):
                if self._idle[index].can_handle_request(origin):
                    found = self._idle.pop(index)
                    break
        for connection in stale:
            connection.close()
        return found

    def _new(self, origin: httpcore.Origin) -> httpcore.HTTPConnection:
        return httpcore.HTTPConnection(
            origin,
            ssl_context=self._ssl_context,
            keepalive_expiry=self._keepalive_expiry,
            network_backend=self._backend,
        )

    def give_back(self, connection: httpcore.HTTPConnection) -> None:
        """Keep ``connection`` for the next request to its origin when it can take one; else close it."""
        surplus: list[httpcore.HTTPConnection] = []
        with self._lock:
            if connection.is_idle() and not self._closed:
                self._idle.append(connection)
                while self._max_keepalive is not None and len(self._idle) > self._max_keepalive:
                    surplus.append(self._idle.pop(0))
            else:
                surplus.append(connection)
        self._release()
        for each in surplus:
            each.close()

    def _release(self) -> None:
        if self._slots is not None:
            self._slots.release()

    def close(self) -> None:
        """Close the idle connections; connections in use are closed when their response is."""
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
        for connection in idle:
            connection.close()


class _Returning:
    """A response body that gives its connection back to the pool once closed."""

    def __init__(
        self, stream: Iterable[bytes], pool: KeepAlivePool, connection: httpcore.HTTPConnection
    ) -> None:
        self._stream = stream
        self._pool = pool
        self._connection: httpcore.HTTPConnection | None = connection

    def __iter__(self) -> Iterator[bytes]:
        yield from self._stream

    def close(self) -> None:
        connection, self._connection = self._connection, None
        if connection is None:
            return
        try:
            close = getattr(self._stream, "close", None)
            if close is not None:
                close()
        finally:
            self._pool.give_back(connection)
