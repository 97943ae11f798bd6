"""Connection failures name the target that could not be reached and say why, in one line."""

# mypy: allow-untyped-defs, allow-untyped-calls

import socket

import pytest

from mlgitops.backends.opensearch.backend import connect
from mlgitops.backends.opensearch.http import NO_RETRY
from mlgitops.errors import BackendUnavailableError


def _closed_loopback_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _error_of(url: str) -> str:
    backend = connect(url, env={}, retry=NO_RETRY)
    try:
        with pytest.raises(BackendUnavailableError) as caught:
            backend.digest_key()
    finally:
        backend.close()
    return str(caught.value)


def test_an_unresolvable_host_is_a_dns_failure_naming_the_url():
    message = _error_of("https://search-staging.mlgitops-test.invalid:9200")
    assert message.startswith(
        "cannot reach https://search-staging.mlgitops-test.invalid:9200: DNS lookup failed"
    )
    assert "\n" not in message


def test_a_closed_loopback_port_is_connection_refused_naming_the_url():
    port = _closed_loopback_port()
    message = _error_of(f"http://127.0.0.1:{port}")
    assert message.startswith(f"cannot reach http://127.0.0.1:{port}: connection refused")
    assert "GET /.mlgitops/_doc/digest-key" in message
