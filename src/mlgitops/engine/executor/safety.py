"""Endpoint safety at predict: trusted-endpoint regex (full match) and private-IP refusal (section 2.7)."""

import ipaddress
import socket
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from mlgitops.errors import EngineError, RemoteModelError
from mlgitops.model import javaregex, mlcommons

TRUSTED_REGEX_SETTING = "plugins.ml_commons.trusted_connector_endpoints_regex"
PRIVATE_IP_SETTING = "plugins.ml_commons.connector.private_ip_enabled"
UNTRUSTED_MESSAGE = "Connector URL is not matching the trusted connector endpoint regex"

Resolver = Callable[[str], Sequence[str]]


def trusted_patterns(settings: Mapping[str, Any]) -> list[str]:
    """The trusted-endpoint regexes from the settings, or the 2.19 defaults when unset."""
    value = settings.get(TRUSTED_REGEX_SETTING)
    if value is None:
        return list(mlcommons.DEFAULT_TRUSTED_ENDPOINTS_2_19)
    if isinstance(value, str):
        return [value]
    return [str(pattern) for pattern in value]


def is_enabled(settings: Mapping[str, Any], key: str, default: bool = False) -> bool:
    """A boolean setting given as a bool or as the strings "true"/"false"."""
    value = settings.get(key, default)
    return value.strip().lower() == "true" if isinstance(value, str) else bool(value)


def check_trusted_endpoint(url: str, settings: Mapping[str, Any]) -> None:
    """Refuse a resolved URL that fully matches none of the trusted regexes (2.19 message, no URL suffix)."""
    if not javaregex.matches_any(trusted_patterns(settings), url):
        raise EngineError(UNTRUSTED_MESSAGE)


def resolve_host(host: str) -> list[str]:
    """Every address ``host`` resolves to (IP literals resolve to themselves)."""
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except OSError as exc:
        raise RemoteModelError(f"Error communicating with remote model: unknown host {host}") from exc
    return [str(info[4][0]) for info in infos]


def is_private_address(address: str) -> bool:
    """Loopback, any-local, link-local, site-local and RFC 1918 / unique-local addresses."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_loopback or ip.is_unspecified or ip.is_link_local:
        return True
    if isinstance(ip, ipaddress.IPv4Address):
        return any(
            ip in ipaddress.ip_network(net) for net in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")
        )
    return ip.is_site_local or ip in ipaddress.ip_network("fc00::/7")


def check_private_ip(host: str, settings: Mapping[str, Any], resolver: Resolver = resolve_host) -> None:
    """Refuse a host resolving to a private address unless connector.private_ip_enabled is true."""
    if is_enabled(settings, PRIVATE_IP_SETTING):
        return
    if any(is_private_address(address) for address in resolver(host)):
        raise EngineError(f"Remote inference host name has private ip address: {host}")
