"""Special-use IP addresses a remote model call may not reach: the IANA special-purpose registries.

Every range of the IANA IPv4 and IPv6 Special-Purpose Address Registries is refused, plus multicast,
the reserved IPv4 block (which holds the limited broadcast address) and, for IPv6, anything outside
global unicast ``2000::/3``. IPv6 forms that carry an IPv4 address are judged by that address:
IPv4-mapped ``::ffff:a.b.c.d`` and the NAT64 well-known prefix ``64:ff9b::/96``; the deprecated
IPv4-compatible ``::a.b.c.d``, 6to4, Teredo and local-use NAT64 ``64:ff9b:1::/48`` are refused whole.
"""

import ipaddress
from functools import lru_cache

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

_IPV4_SPECIAL = tuple(
    ipaddress.IPv4Network(net)
    for net in (
        "0.0.0.0/8",  # "this network"
        "10.0.0.0/8",  # private use
        "100.64.0.0/10",  # shared address space (carrier-grade NAT)
        "127.0.0.0/8",  # loopback
        "169.254.0.0/16",  # link local (cloud metadata endpoints)
        "172.16.0.0/12",  # private use
        "192.0.0.0/24",  # IETF protocol assignments
        "192.0.2.0/24",  # documentation (TEST-NET-1)
        "192.31.196.0/24",  # AS112-v4
        "192.52.193.0/24",  # AMT
        "192.88.99.0/24",  # deprecated 6to4 relay anycast
        "192.168.0.0/16",  # private use
        "192.175.48.0/24",  # direct delegation AS112
        "198.18.0.0/15",  # benchmarking
        "198.51.100.0/24",  # documentation (TEST-NET-2)
        "203.0.113.0/24",  # documentation (TEST-NET-3)
        "224.0.0.0/4",  # multicast
        "240.0.0.0/4",  # reserved, including 255.255.255.255 limited broadcast
    )
)

_IPV6_GLOBAL_UNICAST = ipaddress.IPv6Network("2000::/3")
_IPV6_SPECIAL = tuple(
    ipaddress.IPv6Network(net)
    for net in (
        "2001::/23",  # IETF protocol assignments (Teredo, ORCHID, AMT, AS112...)
        "2001:db8::/32",  # documentation
        "2002::/16",  # 6to4
        "2620:4f:8000::/48",  # direct delegation AS112
        "3fff::/20",  # documentation
    )
)
_NAT64_WELL_KNOWN = ipaddress.IPv6Network("64:ff9b::/96")


def embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv4-mapped or NAT64 well-known-prefix IPv6 address reaches, if any."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip in _NAT64_WELL_KNOWN:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def _is_special_ipv6(ip: ipaddress.IPv6Address) -> bool:
    embedded = embedded_ipv4(ip)
    if embedded is not None:
        return _is_special_ipv4(embedded)
    # Loopback, unspecified, IPv4-compatible, unique-local, link-local, multicast, local-use NAT64,
    # discard-only and SRv6 SIDs all lie outside global unicast.
    return ip not in _IPV6_GLOBAL_UNICAST or any(ip in net for net in _IPV6_SPECIAL)


def _is_special_ipv4(ip: ipaddress.IPv4Address) -> bool:
    return any(ip in net for net in _IPV4_SPECIAL)


@lru_cache(maxsize=1024)
def is_special_use(address: str) -> bool:
    """True for an address no remote model may live at (``fe80::1%eth0`` scope ids are ignored)."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address):
        return _is_special_ipv6(ip)
    return _is_special_ipv4(ip)
