"""The whole exception tree: every error a user can fix derives from MlGitOpsError.

    MlGitOpsError
    ├── ConfigError              project file / --env / --target problems
    ├── ManifestError            manifests that cannot be loaded or do not validate (carries issues)
    ├── PlanError                a plan that cannot be built or applied (stale saved plan, empty set...)
    ├── LockError                the target is locked by another run
    ├── BackendError(status)     the target refused or failed a request
    │   ├── BackendUnavailableError   (retryable) 5xx, connection failures, timeouts
    │   │   └── BackendTransientError  a fresh cluster's known refusal; nothing changed on the server
    │   ├── BackendThrottledError     (retryable) 429
    │   ├── BackendConflictError      409
    │   ├── BackendNotFoundError      404
    │   ├── BackendAuthError          401/403
    │   └── BackendRejectedError      400 and other 4xx
    ├── EngineError(status, type)     the local engine refused a request (ML Commons semantics)
    ├── RemoteModelError(status)      a connector's remote endpoint failed during predict
    └── CredentialStoreError          key file / ciphertext problems (never carries the secret)

Messages never include secret values; HTTP bodies are truncated before they get here.
"""

from typing import ClassVar


class MlGitOpsError(Exception):
    """Base of every error the user can act on; ``str(err)`` is the message shown to them."""

    exit_code: ClassVar[int] = 1


class ConfigError(MlGitOpsError):
    """The project configuration, an environment or a target is wrong."""


class ManifestError(MlGitOpsError):
    """Manifests failed to load or validate; ``issues`` holds every problem found."""

    def __init__(self, message: str, issues: tuple[object, ...] = ()) -> None:
        super().__init__(message)
        self.issues = issues


class PlanError(MlGitOpsError):
    """A plan cannot be built, saved, or applied."""


class LockError(MlGitOpsError):
    """Another reconcile holds the target's lock."""


class BackendError(MlGitOpsError):
    """The target answered with an error or could not be reached."""

    retryable: ClassVar[bool] = False

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class BackendUnavailableError(BackendError):
    """5xx, connection failure or timeout: worth retrying."""

    retryable = True


class BackendTransientError(BackendUnavailableError):
    """A known first-run refusal of a fresh cluster (see backends/opensearch/transients.py).

    The server refused before writing anything, so even a create may be sent again.
    """


class BackendThrottledError(BackendError):
    """429 Too Many Requests: worth retrying after a pause."""

    retryable = True


class BackendConflictError(BackendError):
    """409 Conflict."""


class BackendNotFoundError(BackendError):
    """404 Not Found."""


class BackendAuthError(BackendError):
    """401 or 403."""


class BackendRejectedError(BackendError):
    """400 or another 4xx: the request itself is wrong."""


class EngineError(MlGitOpsError):
    """The local engine refused a request, with the status and type ML Commons would use."""

    def __init__(
        self,
        message: str,
        status: int = 400,
        error_type: str = "illegal_argument_exception",
        details: dict[str, object] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.error_type = error_type
        self.details = details or {}  # extra fields of the error envelope (index, line, col...)


class RemoteModelError(MlGitOpsError):
    """A remote model endpoint failed or answered with an error during predict."""

    def __init__(self, message: str, status: int = 500) -> None:
        super().__init__(message)
        self.status = status


class CredentialStoreError(MlGitOpsError):
    """The credential store's key or ciphertext is missing, wrong or tampered with."""
