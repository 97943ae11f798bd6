"""The master key file: created atomically with 0600 permissions, replaced atomically on rotation."""

import contextlib
import os
import secrets
from pathlib import Path

from mlgitops.engine import crypto
from mlgitops.errors import CredentialStoreError

KEY_FILE = "master.key"
NEW_KEY_FILE = "master.key.new"
ENV_VAR = "MLGITOPS_MASTER_KEY"


def read_key(path: Path) -> bytes | None:
    """The key stored in ``path``, or None when the file does not exist."""
    try:
        text = path.read_text(encoding="ascii")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise CredentialStoreError(f"cannot read master key file {path}: {exc}") from None
    return crypto.decode_key(text, str(path))


def _write_temp(directory: Path, key: bytes) -> Path:
    temp = directory / f".master.key.{os.getpid()}.{secrets.token_hex(4)}.tmp"
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, (crypto.encode_key(key) + "\n").encode("ascii"))
        os.fsync(fd)
    finally:
        os.close(fd)
    return temp


def sync_directory(directory: Path) -> None:
    """fsync a directory so renames in it survive a power loss."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def create_exclusive(path: Path, key: bytes) -> bool:
    """Create ``path`` holding ``key`` only if it does not exist yet; False when another process won."""
    temp = _write_temp(path.parent, key)
    try:
        os.link(temp, path)
    except FileExistsError:
        return False
    finally:
        temp.unlink()
    sync_directory(path.parent)
    return True


def write_replace(path: Path, key: bytes) -> None:
    """Write ``key`` to ``path``, replacing any existing file atomically."""
    temp = _write_temp(path.parent, key)
    temp.replace(path)
    sync_directory(path.parent)


def promote(new_path: Path, path: Path) -> None:
    """Atomically make the rotated key (``master.key.new``) the current key file."""
    new_path.replace(path)
    sync_directory(path.parent)


def discard(path: Path) -> None:
    """Remove a stale key file if present."""
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
