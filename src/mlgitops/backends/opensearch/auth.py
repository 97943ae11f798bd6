"""Connection settings for real clusters from the environment: basic auth, CA bundle, TLS verification.

``MLGITOPS_OPENSEARCH_USER`` / ``MLGITOPS_OPENSEARCH_PASSWORD``: HTTP basic auth.
``MLGITOPS_TOKEN``: ``Authorization: Bearer`` auth (the token of ``mlgitops engine serve``).
``MLGITOPS_CA_BUNDLE``: a PEM file of CA certificates to trust (self-signed clusters).
``MLGITOPS_INSECURE=1``: skip TLS verification (never in production).
``aws+https://HOST``: Amazon OpenSearch Service, requests signed with SigV4 (botocore's credential chain;
region from ``AWS_REGION`` or the host name; ``aoss`` hosts sign for OpenSearch Serverless).
"""

import logging
import ssl
from collections.abc import Generator, Mapping
from dataclasses import dataclass
from pathlib import Path

import httpx

from mlgitops.backends.opensearch import sigv4
from mlgitops.errors import ConfigError

logger = logging.getLogger(__name__)

USER_ENV = "MLGITOPS_OPENSEARCH_USER"
PASSWORD_ENV = "MLGITOPS_OPENSEARCH_PASSWORD"  # noqa: S105 - the variable's name, not a password
TOKEN_ENV = "MLGITOPS_TOKEN"  # noqa: S105 - the variable's name, not a token
CA_BUNDLE_ENV = "MLGITOPS_CA_BUNDLE"
INSECURE_ENV = "MLGITOPS_INSECURE"
AWS_PREFIX = "aws+https://"


@dataclass(frozen=True)
class ConnectionSettings:
    """What httpx needs to reach a cluster (``repr`` never shows the password)."""

    base_url: str
    auth: httpx.Auth | None
    verify: ssl.SSLContext | bool

    def __repr__(self) -> str:
        """Base URL and the kind of auth only: never the credentials."""
        kind = type(self.auth).__name__ if self.auth else None
        return f"ConnectionSettings(base_url={self.base_url!r}, auth={kind})"


def read_connection_settings(url: str, env: Mapping[str, str]) -> ConnectionSettings:
    """Validate a cluster URL and read credentials and TLS options from ``env``."""
    parsed = httpx.URL(url.removeprefix("aws+"))
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise ConfigError(f"target {url!r} is not an http(s)://host[:port] URL")
    if parsed.userinfo:
        raise ConfigError(
            f"do not put credentials in the target URL; set {USER_ENV} and {PASSWORD_ENV} instead"
        )
    signer: httpx.Auth | None
    if url.startswith(AWS_PREFIX):
        signer = sigv4.AwsSigV4Auth(sigv4.read_region(parsed.host, env), sigv4.service_of(parsed.host))
    else:
        signer = _auth(env)
    return ConnectionSettings(str(parsed).rstrip("/"), signer, _verify(env, parsed.scheme))


class BearerAuth(httpx.Auth):
    """``Authorization: Bearer <token>`` on every request (``repr`` never shows the token)."""

    def __init__(self, token: str) -> None:
        self._header = f"Bearer {token}"

    def __repr__(self) -> str:
        return "BearerAuth(token=***)"

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        """Add the header and send."""
        request.headers["Authorization"] = self._header
        yield request


def _auth(env: Mapping[str, str]) -> httpx.Auth | None:
    user, password = env.get(USER_ENV), env.get(PASSWORD_ENV)
    bearer = env.get(TOKEN_ENV, "").strip()
    if bearer:
        if user or password:
            raise ConfigError(
                f"set either {TOKEN_ENV} (bearer) or {USER_ENV}/{PASSWORD_ENV} (basic), not both"
            )
        return BearerAuth(bearer)
    if not user and not password:
        return None
    if not user or password is None:
        raise ConfigError(f"set both {USER_ENV} and {PASSWORD_ENV} for basic auth")
    return httpx.BasicAuth(user, password)


def _verify(env: Mapping[str, str], scheme: str) -> ssl.SSLContext | bool:
    if env.get(INSECURE_ENV, "") in ("1", "true", "yes"):
        if scheme == "https":
            logger.warning("TLS certificate verification is off (%s=1)", INSECURE_ENV)
        return False
    bundle = env.get(CA_BUNDLE_ENV)
    if not bundle:
        return True
    if not Path(bundle).is_file():
        raise ConfigError(f"{CA_BUNDLE_ENV}={bundle} is not a file")
    try:
        return ssl.create_default_context(cafile=bundle)
    except (ssl.SSLError, OSError) as exc:
        raise ConfigError(f"{CA_BUNDLE_ENV}={bundle} is not a valid PEM CA bundle: {exc}") from exc
