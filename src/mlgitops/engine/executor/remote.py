"""The HTTP call to a remote model: client_config timeouts and retries, error mapping, secret redaction."""

import logging
import random
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import httpcore

from mlgitops import __version__
from mlgitops.engine.executor import wire
from mlgitops.errors import EngineError, RemoteModelError
from mlgitops.model.mlcommons import DEFAULT_CLIENT_CONFIG, RETRY_BACKOFF_POLICIES

logger = logging.getLogger(__name__)

MAX_ERROR_BODY = 256
REDACTED = "***"

DEFAULT_HEADERS = {"User-Agent": f"mlgitops/{__version__}", "Accept": "*/*"}

Signer = Callable[[dict[str, str]], dict[str, str]]
Redactor = Callable[[str], str]


@dataclass(frozen=True)
class ClientConfig:
    """The connector's client_config with 2.19 defaults (timeouts in seconds, 2.14+ semantics)."""

    connection_timeout: float
    read_timeout: float
    max_retry_times: int
    retry_backoff_millis: int
    retry_timeout_seconds: float
    retry_backoff_policy: str

    @classmethod
    def from_connector(cls, raw: Mapping[str, Any] | None) -> "ClientConfig":
        """Read ``client_config`` (absent fields take their defaults)."""
        merged = {**DEFAULT_CLIENT_CONFIG, **{k: v for k, v in (raw or {}).items() if v is not None}}
        policy = str(merged["retry_backoff_policy"]).lower()
        try:
            return cls(
                connection_timeout=float(merged["connection_timeout"]),
                read_timeout=float(merged["read_timeout"]),
                max_retry_times=int(merged["max_retry_times"]),
                retry_backoff_millis=int(merged["retry_backoff_millis"]),
                retry_timeout_seconds=float(merged["retry_timeout_seconds"]),
                retry_backoff_policy=policy if policy in RETRY_BACKOFF_POLICIES else "constant",
            )
        except (TypeError, ValueError) as exc:
            raise EngineError(f"Invalid client_config: {exc}") from None

    @cached_property
    def timeouts(self) -> dict[str, float]:
        """The request timeouts: connect/pool from connection_timeout, read/write from read_timeout."""
        return {
            "connect": self.connection_timeout,
            "read": self.read_timeout,
            "write": self.read_timeout,
            "pool": self.connection_timeout,
        }

    def backoff_seconds(self, attempt: int) -> float:
        """The pause before retry number ``attempt`` (0-based)."""
        base = self.retry_backoff_millis / 1000.0
        if self.retry_backoff_policy == "constant":
            return base
        ceiling = base * 2.0 ** min(attempt, 30)
        rng = random.SystemRandom()
        if self.retry_backoff_policy == "exponential_equal_jitter":
            return ceiling / 2 + float(rng.uniform(0, ceiling / 2))
        return float(rng.uniform(0, ceiling))


@dataclass(frozen=True)
class RemoteRequest:
    """One request to send; ``sign`` re-signs the headers before every attempt."""

    method: str
    url: str
    headers: dict[str, str] = field(repr=False)  # filled with ${credential.*} values
    body: bytes | None = field(repr=False)
    sign: Signer | None = field(default=None, repr=False)  # closes over the AWS secret key
    wire_headers: wire.Headers | None = field(default=None, repr=False)  # ``headers`` as sent, if unsigned


@dataclass(frozen=True)
class RemoteResponse:
    """A 2xx answer with a non-empty body."""

    status: int
    text: str


def build_redactor(secrets: Iterable[str]) -> Redactor:
    """A function replacing every known secret value (longest first) by ``***``."""
    values = sorted({value for value in secrets if value}, key=len, reverse=True)

    def redact(text: str) -> str:
        for value in values:
            text = text.replace(value, REDACTED)
        return text

    return redact


def _is_retryable(response: wire.Answer) -> bool:
    throttled = response.header("x-amzn-ErrorType").startswith("ThrottlingException")
    return response.status == 429 or response.status >= 500 or throttled


def with_defaults(headers: Mapping[str, str]) -> dict[str, str]:
    """``headers`` after the default User-Agent and Accept (unless given, in any case)."""
    given = {name.lower() for name in headers}
    defaults = {name: value for name, value in DEFAULT_HEADERS.items() if name.lower() not in given}
    return {**defaults, **headers}


def _attempt(pool: wire.Pool, request: RemoteRequest, config: ClientConfig) -> wire.Answer:
    if request.sign is not None:
        headers: dict[str, str] | wire.Headers = with_defaults(request.sign(dict(request.headers)))
    else:
        headers = request.wire_headers or with_defaults(request.headers)
    outgoing = wire.frame(request.method, request.url, headers, request.body)
    return wire.exchange(pool, outgoing, config.timeouts)


def _may_retry(config: ClientConfig, attempt: int, deadline: float) -> float | None:
    """The pause before the next attempt, or None when retries are exhausted."""
    if config.max_retry_times == 0 or (0 < config.max_retry_times <= attempt):
        return None
    pause = config.backoff_seconds(attempt)
    return pause if time.monotonic() + pause <= deadline else None


def send(
    request: RemoteRequest,
    config: ClientConfig,
    redact: Redactor,
    pool: wire.Pool,
    sleep: Callable[[float], None] = time.sleep,
) -> RemoteResponse:
    """Send with retries on 429/5xx/throttling/connection errors; map failures to RemoteModelError.

    ``pool`` comes from ``pinning.RemotePools``, whose connections pass the address check.
    """
    deadline = time.monotonic() + config.retry_timeout_seconds
    attempt = 0
    while True:
        failure = _try_once(pool, request, config, redact)
        if isinstance(failure, RemoteResponse):
            return failure
        pause = _may_retry(config, attempt, deadline) if failure.retryable else None
        if pause is None:
            raise failure.error
        logger.info("retrying remote model call (attempt %d) after %s", attempt + 1, failure.error)
        sleep(pause)
        attempt += 1


@dataclass(frozen=True)
class _Failure:
    error: RemoteModelError
    retryable: bool


def _try_once(
    pool: wire.Pool, request: RemoteRequest, config: ClientConfig, redact: Redactor
) -> RemoteResponse | _Failure:
    try:
        response = _attempt(pool, request, config)
    except httpcore.LocalProtocolError:
        # Its message can quote a header value (a credential): never repeat it.
        return _Failure(
            RemoteModelError("Error communicating with remote model: invalid request", 500), False
        )
    except wire.NETWORK_ERRORS as exc:
        detail = redact(str(exc) or type(exc).__name__)[:MAX_ERROR_BODY]
        return _Failure(RemoteModelError(f"Error communicating with remote model: {detail}", 500), True)
    logger.debug("remote model answered %d for %s %s", response.status, request.method, request.url)
    if response.status >= 300:
        body = redact(response.text)[:MAX_ERROR_BODY]
        error = RemoteModelError(f"Error from remote service: {body}", response.status)
        return _Failure(error, _is_retryable(response))
    if not response.content.strip():
        return _Failure(RemoteModelError("Remote service returned empty response body", 502), False)
    return RemoteResponse(response.status, response.text)
