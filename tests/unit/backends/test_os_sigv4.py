"""SigV4 signing for aws+https targets, checked against an independent signature computation."""

import hashlib
import hmac
import logging
import re
from types import SimpleNamespace
from urllib.parse import quote

import httpx
import pytest

from mlgitops.backends.opensearch import auth, sigv4
from mlgitops.errors import ConfigError

KEY, SECRET_KEY = "AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
CREDS = SimpleNamespace(access_key=KEY, secret_key=SECRET_KEY, token=None)


def expected_signature(request, signed_headers, amz_date, region, service):
    query = "&".join(
        f"{quote(k, safe='-_.~')}={quote(v, safe='-_.~')}"
        for k, v in sorted(request.url.params.multi_items())
    )
    headers = "".join(f"{name}:{request.headers[name].strip()}\n" for name in signed_headers)
    canonical = "\n".join(
        [
            request.method,
            request.url.path,
            query,
            headers,
            ";".join(signed_headers),
            hashlib.sha256(request.content).hexdigest(),
        ]
    )
    scope = f"{amz_date[:8]}/{region}/{service}/aws4_request"
    to_sign = f"AWS4-HMAC-SHA256\n{amz_date}\n{scope}\n{hashlib.sha256(canonical.encode()).hexdigest()}"
    key = ("AWS4" + SECRET_KEY).encode()
    for part in (amz_date[:8], region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()


def test_requests_are_signed_correctly():
    seen = []

    def handler(request):
        seen.append(request)
        return httpx.Response(200, json={})

    signer = sigv4.AwsSigV4Auth("eu-west-1", "es", credentials=lambda: CREDS)
    with httpx.Client(transport=httpx.MockTransport(handler), auth=signer) as client:
        client.put(
            "https://search-x.eu-west-1.es.amazonaws.com/.mlgitops/_doc/lock",
            params={"refresh": "true"},
            json={"a": 1},
        )
    request = seen[0]
    header = request.headers["authorization"]
    match = re.fullmatch(
        r"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/(\d{8})/eu-west-1/es/aws4_request, "
        r"SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})",
        header,
    )
    assert match, header
    signed = match.group(2).split(";")
    assert {"host", "x-amz-date", "x-amz-content-sha256", "content-type"} <= set(signed)
    amz_date = request.headers["x-amz-date"]
    assert match.group(3) == expected_signature(request, signed, amz_date, "eu-west-1", "es")
    assert SECRET_KEY not in str(request.headers)


def test_region_and_service_come_from_the_host_or_env():
    assert sigv4.read_region("search-a.us-west-2.es.amazonaws.com", {}) == "us-west-2"
    assert sigv4.read_region("abc.us-gov-west-1.aoss.amazonaws.com", {}) == "us-gov-west-1"
    assert sigv4.read_region("vpc.internal", {"AWS_REGION": "ap-south-1"}) == "ap-south-1"
    assert sigv4.service_of("abc.us-east-1.aoss.amazonaws.com") == "aoss"
    assert sigv4.service_of("search-a.us-east-1.es.amazonaws.com") == "es"
    with pytest.raises(ConfigError, match="set AWS_REGION"):
        sigv4.read_region("vpc.internal", {})


def test_aws_targets_use_the_signer():
    settings = auth.read_connection_settings("aws+https://search-a.us-west-2.es.amazonaws.com", {})
    assert settings.base_url == "https://search-a.us-west-2.es.amazonaws.com"
    assert isinstance(settings.auth, sigv4.AwsSigV4Auth)
    assert settings.auth.region == "us-west-2"
    assert "AwsSigV4Auth" in repr(settings)


def test_session_tokens_never_reach_debug_logs(caplog):
    creds = SimpleNamespace(access_key=KEY, secret_key=SECRET_KEY, token="session-token-shh")
    signer = sigv4.AwsSigV4Auth("eu-west-1", "es", credentials=lambda: creds)
    transport = httpx.MockTransport(lambda request: httpx.Response(200, json={}))
    with caplog.at_level(logging.DEBUG), httpx.Client(transport=transport, auth=signer) as client:
        client.get("https://search-x.eu-west-1.es.amazonaws.com/")
    assert "session-token-shh" not in caplog.text
    assert SECRET_KEY not in caplog.text
