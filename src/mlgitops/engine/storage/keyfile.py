"""The master key file: created atomically with 0600 permissions, replaced atomically on rotation."""

import contextlib
from collections.abc import Iterator
from pathlib import Path

from mlgitops.engine.storage import crypto, private
from mlgitops.errors import CredentialStoreError

KEY_FILE = "master.key"
NEW_KEY_FILE = "master.key.new"
ENV_VAR = "MLGITOPS_MASTER_KEY"
# base64 of 32 bytes is 44 characters; room for a line ending and stray blanks, no more.
MAX_KEY_FILE_BYTES = 64


def read_key(path: Path) -> bytes | None:
    """The key stored in ``path``, or None when the file does not exist.

    Raises:
        CredentialStoreError: the file is not an owner-only (0600) regular file, or does not hold
            exactly one base64 32-byte key; the message says how to fix it.
    """
    data = private.read_private(path, "master key file", max_bytes=MAX_KEY_FILE_BYTES)
    if data is None:
        return None
    try:
        text = data.decode("ascii")
    except UnicodeDecodeError:
        raise CredentialStoreError(f"master key in {path} is not valid base64") from None
    return crypto.decode_key(text, str(path))


@contextlib.contextmanager
def _writing(path: Path) -> Iterator[None]:
    """Turn an OSError while writing a key file into a one-line CredentialStoreError."""
    try:
        yield
    except OSError as exc:
        raise CredentialStoreError(f"cannot write master key file {path}: {exc.strerror or exc}") from None


def _key_file_bytes(key: bytes) -> bytes:
    return (crypto.encode_key(key) + "\n").encode("ascii")


def create_exclusive(path: Path, key: bytes) -> bool:
    """Create ``path`` holding ``key`` only if it does not exist yet; False when another process won."""
    return private.create_exclusive(path, _key_file_bytes(key), "master key file")


def write_replace(path: Path, key: bytes) -> None:
    """Write ``key`` to ``path``, replacing any existing file atomically."""
    with _writing(path):
        temp = private.write_temp(path.parent, KEY_FILE, _key_file_bytes(key))
        try:
            temp.replace(path)
        except BaseException:
            temp.unlink()
            raise
        private.sync_directory(path.parent)


def promote(new_path: Path, path: Path, key: bytes) -> None:
    """Atomically make the rotated ``key`` (in ``master.key.new``) the current key file.

    Another process that opened the store between the rotation's commit and this rename may have
    promoted the file already; that is fine as long as ``path`` now holds ``key``.
    """
    with _writing(path):
        try:
            new_path.replace(path)
        except FileNotFoundError:
            if read_key(path) != key:
                raise
        private.sync_directory(path.parent)


def discard(path: Path) -> None:
    """Remove a stale key file if present."""
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
