"""SigV4 request signing (botocore) for Amazon OpenSearch Service targets: ``aws+https://HOST``."""

import hashlib
import logging
import re
from collections.abc import Callable, Generator, Mapping
from typing import Any

import httpx
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.session import Session

from mlgitops.errors import ConfigError

# botocore.auth logs canonical requests (session tokens included) at DEBUG: never let -vv show them.
logging.getLogger("botocore.auth").setLevel(logging.INFO)

_HOST_REGION = re.compile(r"\.([a-z]{2}(?:-[a-z]+)+-\d)\.(es|aoss)\.amazonaws\.com$")
REGION_ENVS = ("MLGITOPS_AWS_REGION", "AWS_REGION", "AWS_DEFAULT_REGION")
_COPIED = ("Authorization", "X-Amz-Date", "X-Amz-Security-Token", "X-Amz-Content-SHA256")

CredentialsProvider = Callable[[], Any]


def read_region(host: str, env: Mapping[str, str]) -> str:
    """The region from the environment, else from an ``*.REGION.es|aoss.amazonaws.com`` host."""
    for name in REGION_ENVS:
        if env.get(name):
            return env[name]
    match = _HOST_REGION.search(host)
    if match is None:
        raise ConfigError(f"cannot tell the AWS region of {host}; set AWS_REGION")
    return match.group(1)


def service_of(host: str) -> str:
    """``aoss`` for OpenSearch Serverless hosts, else ``es``."""
    return "aoss" if ".aoss." in host else "es"


def default_credentials() -> Any:
    """Frozen credentials from botocore's default chain (env, profile, SSO, instance role...)."""
    credentials = Session().get_credentials()
    if credentials is None:
        raise ConfigError(
            "no AWS credentials found for the aws+https target (env, ~/.aws or an instance role)"
        )
    return credentials.get_frozen_credentials()


class AwsSigV4Auth(httpx.Auth):
    """Signs every request (payload hash included) with SigV4 for ``service`` in ``region``."""

    requires_request_body = True

    def __init__(
        self, region: str, service: str, credentials: CredentialsProvider = default_credentials
    ) -> None:
        """``credentials`` is called per request so refreshed role credentials are picked up."""
        self.region = region
        self.service = service
        self._credentials = credentials

    def __repr__(self) -> str:
        """Region and service only: never the credentials."""
        return f"AwsSigV4Auth(region={self.region!r}, service={self.service!r})"

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        """Add the SigV4 headers to ``request``."""
        body = request.content
        headers = {"host": request.url.netloc.decode("ascii")}
        if "content-type" in request.headers:
            headers["content-type"] = request.headers["content-type"]
        headers["X-Amz-Content-SHA256"] = hashlib.sha256(body).hexdigest()
        aws_request = AWSRequest(method=request.method, url=str(request.url), data=body, headers=headers)
        SigV4Auth(self._credentials(), self.service, self.region).add_auth(aws_request)
        for name in _COPIED:
            if name in aws_request.headers:
                request.headers[name] = aws_request.headers[name]
        yield request
