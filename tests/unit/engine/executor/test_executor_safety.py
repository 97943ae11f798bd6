"""Endpoint safety at predict: the private-address table and the trusted-regex defaults."""

import pytest

from mlgitops.engine.executor import safety
from mlgitops.errors import EngineError


@pytest.mark.parametrize(
    ("address", "private"),
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
        ("::1", True),
        ("::", True),
        ("fe80::1%eth0", True),
        ("fec0::1", True),
        ("fd00::1", True),
        ("::ffff:10.0.0.1", True),
        ("8.8.8.8", False),
        ("2606:4700::1111", False),
    ],
)
def test_private_address_table(address: str, private: bool) -> None:
    assert safety.is_private_address(address) is private


def test_any_private_resolved_address_refuses_the_host() -> None:
    def resolver(_host: str) -> list[str]:
        return ["8.8.8.8", "10.0.0.5"]

    with pytest.raises(
        EngineError, match=r"^Remote inference host name has private ip address: api\.example$"
    ):
        safety.check_private_ip("api.example", {}, resolver)
    safety.check_private_ip(
        "api.example", {"plugins.ml_commons.connector.private_ip_enabled": "true"}, resolver
    )
    safety.check_private_ip("api.example", {}, lambda _h: ["8.8.8.8"])


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
