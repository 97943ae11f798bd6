"""HTTP plumbing for the ML Commons client: retry policy, error mapping, and the test-only crash hook."""

import json
import os
import random
import signal
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from mlgitops.errors import (
    BackendAuthError,
    BackendConflictError,
    BackendError,
    BackendNotFoundError,
    BackendRejectedError,
    BackendThrottledError,
    BackendUnavailableError,
)

MAX_BODY_CHARS = 256

# Test-only hook: the process kills itself with SIGKILL right after the N-th mutating HTTP call, so the
# crash-recovery tests can stop a run at every mutation point. Never set it outside tests.
CRASH_AFTER_MUTATION_ENV = "MLGITOPS_TEST_CRASH_AFTER_MUTATION"


@dataclass(frozen=True)
class RetryPolicy:
    """Capped exponential backoff with full jitter; ``Retry-After`` wins when the server sends it."""

    attempts: int = 5
    base_seconds: float = 0.5
    cap_seconds: float = 20.0

    def delay(
        self, attempt: int, retry_after: float | None = None, *, rng: Callable[[], float] = random.random
    ) -> float:
        """Seconds to wait before retry number ``attempt`` (1-based)."""
        if retry_after is not None:
            return float(min(max(retry_after, 0.0), self.cap_seconds))
        ceiling = min(self.cap_seconds, self.base_seconds * 2 ** (attempt - 1))
        return float(ceiling * (0.5 + rng() / 2))


NO_RETRY = RetryPolicy(attempts=1)

_STATUS_ERRORS: dict[int, type[BackendError]] = {
    401: BackendAuthError,
    403: BackendAuthError,
    404: BackendNotFoundError,
    409: BackendConflictError,
    429: BackendThrottledError,
}


def error_class(status: int) -> type[BackendError]:
    """The BackendError subclass for an HTTP error status."""
    if status in _STATUS_ERRORS:
        return _STATUS_ERRORS[status]
    return BackendUnavailableError if status >= 500 else BackendRejectedError


def truncate(text: str, limit: int = MAX_BODY_CHARS) -> str:
    """``text`` cut to ``limit`` characters, marked with an ellipsis when cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def error_reason(response: httpx.Response) -> str:
    """The server's ``error.reason`` (OpenSearch envelope), else the raw body, truncated."""
    try:
        payload: Any = response.json()
    except ValueError:
        return truncate(response.text.strip() or response.reason_phrase)
    if isinstance(payload, dict):
        error = payload.get("error")
        if isinstance(error, dict) and error.get("reason"):
            kind = error.get("type")
            return truncate(f"{error['reason']} ({kind})" if kind else str(error["reason"]))
        if isinstance(error, str):
            return truncate(error)
    return truncate(json.dumps(payload, separators=(",", ":")))


def build_error(method: str, path: str, response: httpx.Response) -> BackendError:
    """A BackendError for a failed response: status, request line and the server's reason (no body sent)."""
    status = response.status_code
    return error_class(status)(f"{method} {path} failed with HTTP {status}: {error_reason(response)}", status)


_DNS_HINTS = ("name or service not known", "nodename nor servname", "name resolution", "getaddrinfo")


def transport_reason(exc: httpx.TransportError) -> str:
    """Why a connection failed, for people: DNS, refused, TLS, timeout, or the raw message."""
    detail = truncate(str(exc) or type(exc).__name__)
    text = detail.lower()
    short = detail.split("] ", 1)[-1] if detail.startswith("[Errno") else detail
    if isinstance(exc, httpx.TimeoutException):
        return f"timed out ({detail})" if str(exc) else "timed out"
    if any(hint in text for hint in _DNS_HINTS):
        return f"DNS lookup failed ({short})"
    if "connection refused" in text:
        return "connection refused (nothing listening on that port?)"
    if "ssl" in text or "certificate" in text:
        return f"TLS handshake failed ({detail}; see MLGITOPS_CA_BUNDLE / MLGITOPS_INSECURE)"
    return f"could not connect ({detail})"


def transport_error(method: str, path: str, exc: httpx.TransportError, *, target: str = "") -> BackendError:
    """A retryable BackendUnavailableError for a connection failure or timeout, naming the target."""
    where = target.rstrip("/") or "the target"
    return BackendUnavailableError(f"cannot reach {where}: {transport_reason(exc)} (during {method} {path})")


def retry_after_seconds(response: httpx.Response | None) -> float | None:
    """``Retry-After`` in seconds when present and numeric."""
    if response is None:
        return None
    value = response.headers.get("retry-after")
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def is_mutation(method: str, path: str) -> bool:
    """True for a request that changes the target (searches, predicts and refreshes do not)."""
    if method in ("GET", "HEAD"):
        return False
    last = path.rstrip("/").rsplit("/", 1)[-1]
    return last not in ("_search", "_predict", "_refresh") and "/_predict/" not in path


def crash_after_from_env(env: Mapping[str, str]) -> int | None:
    """The test-only crash point from ``MLGITOPS_TEST_CRASH_AFTER_MUTATION``, if set."""
    value = env.get(CRASH_AFTER_MUTATION_ENV, "").strip()
    return int(value) if value.isdigit() and int(value) > 0 else None


def crash_now() -> None:
    """Kill this process without any cleanup (test-only hook, see CRASH_AFTER_MUTATION_ENV)."""
    os.kill(os.getpid(), signal.SIGKILL)
