"""Endpoint safety at predict: the private-address table and the trusted-regex defaults."""

import time

import pytest

from mlgitops.engine.executor import safety
from mlgitops.errors import EngineError


@pytest.mark.parametrize(
    ("address", "special"),
    [
        ("127.0.0.1", True),
        ("127.9.9.9", True),
        ("10.1.2.3", True),
        ("172.16.0.1", True),
        ("172.31.255.255", True),
        ("172.32.0.1", False),
        ("192.168.1.1", True),
        ("169.254.169.254", True),
        ("0.0.0.0", True),
        ("100.64.0.1", True),
        ("100.127.255.254", True),
        ("100.128.0.1", False),
        ("198.18.0.1", True),
        ("198.19.255.255", True),
        ("198.20.0.1", False),
        ("192.0.0.170", True),
        ("192.0.2.1", True),
        ("198.51.100.7", True),
        ("203.0.113.9", True),
        ("192.88.99.1", True),
        ("224.0.0.1", True),
        ("239.255.255.250", True),
        ("240.0.0.1", True),
        ("255.255.255.255", True),
        ("::1", True),
        ("::", True),
        ("::127.0.0.1", True),
        ("::8.8.8.8", True),
        ("::ffff:10.0.0.1", True),
        ("::ffff:127.0.0.1", True),
        ("::ffff:8.8.8.8", False),
        ("64:ff9b::7f00:1", True),
        ("64:ff9b::a00:1", True),
        ("64:ff9b::808:808", False),
        ("64:ff9b:1::808:808", True),
        ("100::1", True),
        ("2001::1", True),
        ("2001:db8::1", True),
        ("2002:7f00:1::1", True),
        ("3fff::1", True),
        ("5f00::1", True),
        ("fe80::1%eth0", True),
        ("fec0::1", True),
        ("fd00::1", True),
        ("ff02::1", True),
        ("8.8.8.8", False),
        ("2606:4700::1111", False),
    ],
)
def test_special_use_address_table(address: str, special: bool) -> None:
    assert safety.is_private_address(address) is special


def test_any_special_use_resolved_address_refuses_the_host() -> None:
    with pytest.raises(
        EngineError, match=r"^Remote inference host name has private ip address: api\.example$"
    ) as err:
        safety.check_addresses("api.example", ["8.8.8.8", "10.0.0.5"], allow_private=False)
    assert err.value.status == 400
    safety.check_addresses("api.example", ["8.8.8.8", "10.0.0.5"], allow_private=True)
    safety.check_addresses("api.example", ["8.8.8.8"], allow_private=False)


def test_private_ip_enabled_setting_reads_bools_and_strings() -> None:
    assert safety.allows_private({safety.PRIVATE_IP_SETTING: "true"})
    assert safety.allows_private({safety.PRIVATE_IP_SETTING: True})
    assert not safety.allows_private({safety.PRIVATE_IP_SETTING: "false"})
    assert not safety.allows_private({})


def test_trusted_endpoints_default_to_the_2_19_list() -> None:
    safety.check_trusted_endpoint("https://api.openai.com/v1/embeddings", {})
    safety.check_trusted_endpoint("https://bedrock-runtime.us-east-1.amazonaws.com/model/m/invoke", {})
    with pytest.raises(EngineError):
        safety.check_trusted_endpoint("https://generativelanguage.googleapis.com/v1/x", {})
    with pytest.raises(EngineError):
        safety.check_trusted_endpoint("https://api.openai.com.evil.example/v1", {})


def test_trusted_regex_is_a_full_match_over_the_configured_list() -> None:
    settings = {safety.TRUSTED_REGEX_SETTING: [r"^http://localhost:\d+/.*$", "[invalid"]}
    safety.check_trusted_endpoint("http://localhost:8765/v1/chat/completions", settings)
    with pytest.raises(EngineError):
        safety.check_trusted_endpoint("https://api.openai.com/v1/embeddings", settings)


def test_a_catastrophic_trusted_regex_refuses_quickly_instead_of_hanging() -> None:
    settings = {safety.TRUSTED_REGEX_SETTING: [r"^https://(a|aa)+$"]}
    started = time.monotonic()
    with pytest.raises(
        EngineError, match=r"^Connector URL is not matching the trusted connector endpoint regex$"
    ):
        safety.check_trusted_endpoint("https://" + "a" * 48 + ".com/v1", settings)
    assert time.monotonic() - started < 1.0
