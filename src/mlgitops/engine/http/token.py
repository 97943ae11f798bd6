"""The facade's bearer token: random, created once in the engine directory as an owner-only file."""

import secrets
from pathlib import Path

from mlgitops.engine.storage import private
from mlgitops.errors import CredentialStoreError

TOKEN_FILE = "api.token"  # noqa: S105 - a file name
TOKEN_ENV = "MLGITOPS_TOKEN"  # noqa: S105 - the variable's name
_MAX_BYTES = 256
_WHAT = "API token file"


def token_path(directory: Path) -> Path:
    """Where the engine in ``directory`` keeps its token."""
    return directory / TOKEN_FILE


def read_token(directory: Path) -> str | None:
    """The token of the engine in ``directory``, or None when it has none yet."""
    data = private.read_private(token_path(directory), _WHAT, max_bytes=_MAX_BYTES)
    if data is None:
        return None
    text = data.decode("ascii", errors="replace").strip()
    if len(text) < 32 or not text.isascii() or not text.isprintable() or " " in text:
        raise CredentialStoreError(
            f"{_WHAT} {token_path(directory)} does not hold a valid token; delete it and restart "
            "`mlgitops engine serve` to create a new one"
        )
    return text


def read_or_create_token(directory: Path) -> str:
    """The engine's token, created (0600) on first use; concurrent first starts agree on one."""
    existing = read_token(directory)
    if existing is not None:
        return existing
    private.create_exclusive(token_path(directory), (secrets.token_urlsafe(32) + "\n").encode(), _WHAT)
    created = read_token(directory)
    if created is None:
        raise CredentialStoreError(f"{_WHAT} {token_path(directory)} could not be created")
    return created
