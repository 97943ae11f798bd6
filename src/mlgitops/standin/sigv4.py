"""Verify AWS SigV4 signatures on stand-in requests by recomputing them with botocore's signer."""

import datetime as dt
import hashlib
import hmac
import logging
import re
from collections.abc import Mapping

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

# botocore.auth logs canonical requests (session tokens included) at DEBUG; keep it quieter.
logging.getLogger("botocore.auth").setLevel(logging.INFO)

_AUTHORIZATION = re.compile(
    r"AWS4-HMAC-SHA256 Credential=(?P<key>[^/]+)/(?P<date>\d{8})/(?P<region>[^/]+)/(?P<service>[^/]+)"
    r"/aws4_request,"
    r"\s*SignedHeaders=(?P<signed>[^,]+),\s*Signature=(?P<signature>[0-9a-f]{64})"
)
MAX_CLOCK_SKEW = dt.timedelta(minutes=15)
SIGNATURE_MISMATCH = (
    "The request signature we calculated does not match the signature you provided. Check your AWS Secret "
    "Access Key and signing method. Consult the service documentation for details."
)


class SignatureError(Exception):
    """A request whose signature is missing or wrong; ``error_type`` is AWS's x-amzn-ErrorType."""

    def __init__(self, message: str, error_type: str = "InvalidSignatureException") -> None:
        super().__init__(message)
        self.error_type = error_type


def _timestamp(headers: Mapping[str, str], scope_date: str, now: dt.datetime) -> str:
    amz_date = headers.get("x-amz-date", "")
    try:
        signed_at = dt.datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ").replace(tzinfo=dt.UTC)
    except ValueError:
        raise SignatureError("Missing or malformed X-Amz-Date header") from None
    if amz_date[:8] != scope_date:
        raise SignatureError("Credential scope date does not match X-Amz-Date")
    if abs(now - signed_at) > MAX_CLOCK_SKEW:
        raise SignatureError("Signature expired: the request time is too far from the server time")
    return amz_date


def verify_sigv4(
    method: str,
    raw_path: str,
    headers: Mapping[str, str],
    body: bytes,
    *,
    access_key: str,
    secret_key: str,
    service: str,
    now: dt.datetime | None = None,
) -> None:
    """Raise SignatureError unless the request is signed for ``service`` with these credentials.

    ``headers`` must have lower-case names. The signature is recomputed with botocore over exactly
    the headers the client listed in SignedHeaders, and the payload hash is checked against the body.
    """
    match = _AUTHORIZATION.fullmatch(headers.get("authorization", "").strip())
    if match is None:
        raise SignatureError("Missing Authentication Token", "MissingAuthenticationTokenException")
    if match["key"] != access_key:
        raise SignatureError(
            "The security token included in the request is invalid.", "UnrecognizedClientException"
        )
    if match["service"] != service:
        raise SignatureError(f"Credential should be scoped to correct service: '{service}'.")
    amz_date = _timestamp(headers, match["date"], now or dt.datetime.now(dt.UTC))
    claimed_hash = headers.get("x-amz-content-sha256")
    if claimed_hash is not None and claimed_hash != hashlib.sha256(body).hexdigest():
        raise SignatureError("The provided 'x-amz-content-sha256' header does not match what was computed.")
    expected = _recompute(method, raw_path, headers, body, match, amz_date, secret_key)
    if not hmac.compare_digest(expected, match["signature"]):
        raise SignatureError(SIGNATURE_MISMATCH, "InvalidSignatureException")


def _recompute(
    method: str,
    raw_path: str,
    headers: Mapping[str, str],
    body: bytes,
    match: re.Match[str],
    amz_date: str,
    secret: str,
) -> str:
    """The signature botocore computes over exactly the headers the client listed in SignedHeaders."""
    names = match["signed"].split(";")
    if "host" not in names or any(name not in headers for name in names):
        raise SignatureError("SignedHeaders must include host and only headers present in the request")
    request = AWSRequest(
        method=method,
        url=f"http://{headers['host']}{raw_path}",
        data=body,
        headers={name: headers[name] for name in names},
    )
    request.context["timestamp"] = amz_date
    signer = SigV4Auth(Credentials(match["key"], secret), match["service"], match["region"])
    return str(signer.signature(signer.string_to_sign(request, signer.canonical_request(request)), request))
