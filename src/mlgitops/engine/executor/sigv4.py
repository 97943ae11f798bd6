"""AWS SigV4 signing of connector requests with botocore's signer (never hand-written)."""

import hashlib
import logging
from collections.abc import Mapping

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from mlgitops.errors import EngineError

# botocore.auth logs the canonical request (which holds the session token) at DEBUG; keep it quieter.
logging.getLogger("botocore.auth").setLevel(logging.INFO)

_REPLACED_HEADERS = frozenset(
    {"authorization", "x-amz-date", "x-amz-security-token", "x-amz-content-sha256", "host"}
)


def signing_scope(connector_params: Mapping[str, str], credentials: Mapping[str, str]) -> tuple[str, str]:
    """``(region, service_name)``: connector parameters first, then the credential map."""
    region = connector_params.get("region") or credentials.get("region")
    service = connector_params.get("service_name") or credentials.get("service_name")
    if not service:
        raise EngineError("Missing service name")
    if not region:
        raise EngineError("Missing region")
    return region, service


def sign_headers(
    method: str,
    url: str,
    headers: Mapping[str, str],
    body: bytes | None,
    *,
    credentials: Mapping[str, str],
    region: str,
    service: str,
) -> dict[str, str]:
    """The headers to send: the action's headers plus X-Amz-Date, X-Amz-Content-SHA256 and Authorization.

    The payload is signed (its SHA-256 replaces any placeholder such as the blueprints'
    ``x-amz-content-sha256: required``), as the Java SDK v2 signer ML Commons uses does.
    """
    access_key, secret_key = credentials.get("access_key"), credentials.get("secret_key")
    if not access_key or not secret_key:
        raise EngineError("Missing credential")
    kept = {name: value for name, value in headers.items() if name.lower() not in _REPLACED_HEADERS}
    kept["X-Amz-Content-SHA256"] = hashlib.sha256(body or b"").hexdigest()
    request = AWSRequest(method=method, url=url, data=body or b"", headers=kept)
    signer = SigV4Auth(Credentials(access_key, secret_key, credentials.get("session_token")), service, region)
    signer.add_auth(request)
    return {str(name): str(value) for name, value in request.headers.items()}
