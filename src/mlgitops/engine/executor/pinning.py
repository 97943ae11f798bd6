"""Connections to remote models that go where the address check looked: resolve once, check, connect.

A host is resolved exactly once per new connection; every address is checked against the special-use
table and the connection is made to one of those very addresses, so a name that answers differently
on a second lookup (DNS rebinding) cannot slip past the check. The request keeps its URL: the Host
header, the TLS server name (SNI) and certificate verification all use the original host name.
Connections are pooled per origin host name by httpcore, as usual.
"""

import logging
import ssl
import threading
from collections.abc import Iterable
from typing import Protocol

import httpcore
import httpx

from mlgitops.engine.executor import safety, wire

logger = logging.getLogger(__name__)

SocketOptions = Iterable[httpcore.SOCKET_OPTION] | None
Verify = ssl.SSLContext | bool


class PinnedBackend(httpcore.NetworkBackend):
    """A network backend that checks the resolved addresses of a host and connects to them only."""

    def __init__(
        self,
        *,
        allow_private: bool,
        resolver: safety.Resolver = safety.resolve_host,
        network: httpcore.NetworkBackend | None = None,
    ) -> None:
        """``network`` makes the TCP connections to checked IP literals (the socket backend by default)."""
        self._allow_private = allow_private
        self._resolve = resolver
        self._network = network or httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: SocketOptions = None,
    ) -> httpcore.NetworkStream:
        """Resolve ``host`` once, refuse special-use addresses, connect to the first that answers."""
        resolved = self._resolve(host, port)
        if not resolved:
            raise httpcore.ConnectError(f"unknown host {host}")
        safety.check_addresses(host, resolved, allow_private=self._allow_private)
        *others, last = resolved
        for address in others:
            try:
                return self._network.connect_tcp(address, port, timeout, local_address, socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout):
                logger.debug("connecting to %s at %s failed; trying its next address", host, address)
        return self._network.connect_tcp(last, port, timeout, local_address, socket_options)

    def connect_unix_socket(
        self,
        path: str,  # noqa: ARG002 - the interface's signature
        timeout: float | None = None,  # noqa: ARG002
        socket_options: SocketOptions = None,  # noqa: ARG002
    ) -> httpcore.NetworkStream:
        """Remote models are never reached over unix sockets."""
        raise httpcore.ConnectError("unix sockets are not used for remote models")

    def sleep(self, seconds: float) -> None:
        """Delegate to the underlying backend."""
        self._network.sleep(seconds)


def pinned_pool(backend: PinnedBackend, verify: Verify = True) -> httpcore.ConnectionPool:
    """A keep-alive connection pool whose new connections all go through ``backend``.

    httpx's TLS defaults (certifi, or SSL_CERT_FILE/SSL_CERT_DIR) and pool limits, no proxy.
    Connections are kept per origin (scheme, host name, port): a kept connection goes on talking
    to the address that was checked when it was opened; every new one resolves and checks again.
    """
    limits = httpx.Limits()
    return httpcore.ConnectionPool(
        ssl_context=httpx.create_ssl_context(verify=verify),
        max_connections=limits.max_connections,
        max_keepalive_connections=limits.max_keepalive_connections,
        keepalive_expiry=limits.keepalive_expiry,
        network_backend=backend,
    )


class PoolSource(Protocol):
    """Where predict gets its connection pool for a private-address policy."""

    def pool(self, *, allow_private: bool) -> wire.Pool:
        """The pool to use; its connections must pass the address check."""
        ...


class RemotePools(PoolSource):
    """The shared connection pools of remote model calls: one per private-address policy.

    Two pools, so that a connection opened while ``private_ip_enabled`` was true is never reused
    once it is false. Requests go straight to the pool (no client layer): no cookie jar is
    shared between connectors, redirects cannot be followed and no proxy is taken from the
    environment. Thread-safe; ``close`` closes both (a later call opens new ones).
    """

    def __init__(
        self,
        *,
        resolver: safety.Resolver = safety.resolve_host,
        network: httpcore.NetworkBackend | None = None,
        verify: Verify = True,
    ) -> None:
        """``resolver``, ``network`` and ``verify`` are injectable for tests."""
        self._resolver = resolver
        self._network = network
        self._verify = verify
        self._pools: dict[bool, httpcore.ConnectionPool] = {}
        self._lock = threading.Lock()

    def pool(self, *, allow_private: bool) -> httpcore.ConnectionPool:
        """The connection pool for this policy (created on first use)."""
        with self._lock:
            pool = self._pools.get(allow_private)
            if pool is None:
                backend = PinnedBackend(
                    allow_private=allow_private, resolver=self._resolver, network=self._network
                )
                pool = self._pools[allow_private] = pinned_pool(backend, self._verify)
            return pool

    def __enter__(self) -> "RemotePools":
        """Use as a context manager that closes the pools."""
        return self

    def __exit__(self, *exc_info: object) -> None:
        """Close the pools."""
        self.close()

    @property
    def is_closed(self) -> bool:
        """True when no pool is open."""
        with self._lock:
            return not self._pools

    def close(self) -> None:
        """Close every pool."""
        with self._lock:
            pools, self._pools = list(self._pools.values()), {}
        for pool in pools:
            pool.close()
