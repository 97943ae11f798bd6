"""Who may talk to the facade: the Host header (DNS rebinding), the bearer token, JSON-only bodies."""

import hmac
import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass

from mlgitops.engine.http import rest

LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1", "localhost.localdomain", "ip6-localhost"})
# What OpenSearch clients send; a browser cannot send these cross-origin without a CORS preflight
# (an OPTIONS request, which the facade refuses), so a web page cannot post to the facade.
JSON_TYPES = frozenset({"application/json", "application/x-ndjson"})


def host_name(header: str) -> str:
    """The host part of a ``Host`` header, lowercased, without port or IPv6 brackets."""
    header = header.strip().lower().rstrip(".")
    if header.startswith("["):
        return header[1 : header.find("]")] if "]" in header else header
    if header.count(":") == 1:
        return header.split(":", 1)[0].rstrip(".")
    return header


def _canonical(name: str) -> str:
    try:
        return str(ipaddress.ip_address(name))
    except ValueError:
        return name.lower().rstrip(".")


@dataclass(frozen=True)
class Guard:
    """The checks every request passes before it reaches the router."""

    token: str
    allowed_hosts: frozenset[str]

    @classmethod
    def build(cls, token: str, bound_host: str, extra_hosts: Iterable[str] = ()) -> "Guard":
        """Loopback names, the bound address and ``extra_hosts`` are the accepted Host values."""
        hosts = {_canonical(h) for h in (*LOOPBACK_NAMES, bound_host, *extra_hosts) if h}
        hosts -= {"0.0.0.0", "::"}  # a wildcard bind is no name a client uses  # noqa: S104
        return cls(token, frozenset(hosts))

    def check_host(self, header: str | None) -> rest.RestResponse | None:
        """A 421 for a missing Host header or one that names another host (a rebound DNS name)."""
        name = _canonical(host_name(header or ""))
        if name in self.allowed_hosts:
            return None
        shown = (header or "")[:100]
        return rest.error_response(
            421,
            "security_exception",
            f"Host header [{shown}] is not one this server answers to "
            f"(allowed: {', '.join(sorted(self.allowed_hosts))}; add names with --allow-host)",
        )

    def check_token(self, authorization: str | None) -> rest.RestResponse | None:
        """A 401 unless ``Authorization: Bearer <token>`` matches (compared in constant time)."""
        scheme, _, given = (authorization or "").strip().partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), self.token.encode()):
            return None
        reason = (
            "missing bearer token: send Authorization: Bearer <token> (the token is in the engine "
            "directory's api.token file)"
            if not authorization
            else "invalid bearer token"
        )
        return rest.error_response(401, "security_exception", reason)


def check_content_type(header: str | None, has_body: bool) -> rest.RestResponse | None:
    """A 406 for a body not declared as JSON (``text/plain`` forms: browsers' simple requests)."""
    if not has_body:
        return None
    declared = header or ""
    media = declared.split(";", 1)[0].strip().lower()
    if media in JSON_TYPES:
        return None
    if not media:
        return rest.error_response(406, "illegal_argument_exception", "Content-Type header is missing")
    return rest.error_response(
        406,
        "illegal_argument_exception",
        f"Content-Type header [{declared[:100]}] is not supported (send application/json)",
    )
