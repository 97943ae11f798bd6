"""Endpoint safety at predict: trusted-endpoint regex (full match) and the special-use address refusal."""

import socket
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from mlgitops.errors import EngineError
from mlgitops.model import addresses, javaregex, mlcommons

TRUSTED_REGEX_SETTING = "plugins.ml_commons.trusted_connector_endpoints_regex"
PRIVATE_IP_SETTING = "plugins.ml_commons.connector.private_ip_enabled"
UNTRUSTED_MESSAGE = "Connector URL is not matching the trusted connector endpoint regex"

Resolver = Callable[[str, int], Sequence[str]]


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
    check_trusted(url, trusted_patterns(settings))


def check_trusted(url: str, patterns: Sequence[str]) -> None:
    """``check_trusted_endpoint`` with the regexes already read (a regex out of time never matches)."""
    if not javaregex.matches_any(patterns, url):
        raise EngineError(UNTRUSTED_MESSAGE)


def resolve_host(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to, once, in the resolver's order (IP literals give themselves)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        return []
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def is_private_address(address: str) -> bool:
    """Any special-use address: loopback, private, link-local, shared, reserved, multicast..."""
    return addresses.is_special_use(address)


def check_addresses(host: str, resolved: Sequence[str], *, allow_private: bool) -> None:
    """Refuse ``host`` when any address it resolved to is special-use (unless ``allow_private``)."""
    if allow_private:
        return
    if any(addresses.is_special_use(address) for address in resolved):
        raise EngineError(f"Remote inference host name has private ip address: {host}")


def allows_private(settings: Mapping[str, Any]) -> bool:
    """Whether connector.private_ip_enabled lets remote calls reach special-use addresses."""
    return is_enabled(settings, PRIVATE_IP_SETTING)
