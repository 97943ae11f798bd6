"""Owner-only files (master key, API token): read without blocking or trusting, create with 0600."""

import contextlib
import os
import secrets
import stat
from pathlib import Path

from mlgitops.errors import CredentialStoreError

FILE_MODE = 0o600
DIR_MODE = 0o700
# A FIFO opened for reading would block until a writer appears; O_NONBLOCK returns at once.
_OPEN_FLAGS = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOCTTY", 0)


def _kind(mode: int) -> str:
    for test, name in (
        (stat.S_ISDIR, "a directory"),
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
    ):
        if test(mode):
            return name
    return "not a regular file"


def check_private(path: Path, status: os.stat_result, what: str) -> None:
    """Raise CredentialStoreError (with the fix) unless ``status`` is an owner-only regular file."""
    if not stat.S_ISREG(status.st_mode):
        raise CredentialStoreError(
            f"{what} {path} is {_kind(status.st_mode)}, not a regular file; "
            f"replace it with a regular file (mode 0600)"
        )
    if status.st_mode & 0o077:
        raise CredentialStoreError(
            f"{what} {path} is accessible by group or others (mode {stat.S_IMODE(status.st_mode):04o}); "
            f"run: chmod 600 {path}"
        )


def read_private(path: Path, what: str, *, max_bytes: int) -> bytes | None:
    """The content of the owner-only regular file ``path``, or None when it does not exist.

    Links are followed (secret mounts are links), but the file finally opened must be a regular file
    readable by its owner only and at most ``max_bytes`` long; it is checked on the open descriptor,
    so a swapped file cannot slip in between check and read.
    """
    try:
        fd = os.open(path, _OPEN_FLAGS)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise CredentialStoreError(f"cannot read {what} {path}: {exc.strerror or exc}") from None
    try:
        status = os.fstat(fd)
        check_private(path, status, what)
        if status.st_size > max_bytes:
            raise CredentialStoreError(
                f"{what} {path} is {status.st_size} bytes, longer than any valid one ({max_bytes}); "
                "restore the right file"
            )
        return os.read(fd, max_bytes + 1)
    except OSError as exc:
        raise CredentialStoreError(f"cannot read {what} {path}: {exc.strerror or exc}") from None
    finally:
        os.close(fd)


def write_temp(directory: Path, prefix: str, data: bytes) -> Path:
    """A new owner-only file in ``directory`` holding ``data`` (fsynced), for an atomic link or rename."""
    temp = directory / f".{prefix}.{os.getpid()}.{secrets.token_hex(4)}.tmp"
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), FILE_MODE)
    try:
        os.fchmod(fd, FILE_MODE)  # whatever the umask
        os.write(fd, data)
        os.fsync(fd)
    except BaseException:
        temp.unlink()
        raise
    finally:
        os.close(fd)
    return temp


def create_exclusive(path: Path, data: bytes, what: str) -> bool:
    """Create ``path`` (0600) holding ``data`` only if nothing is there yet; False when something is."""
    try:
        temp = write_temp(path.parent, path.name, data)
        try:
            os.link(temp, path)
        except FileExistsError:
            return False
        finally:
            temp.unlink()
        sync_directory(path.parent)
    except OSError as exc:
        raise CredentialStoreError(f"cannot write {what} {path}: {exc.strerror or exc}") from None
    return True


def sync_directory(directory: Path) -> None:
    """fsync a directory so renames in it survive a power loss."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def make_private_dir(directory: Path) -> None:
    """Create ``directory`` (and missing parents) with the new leaf owner-only (0700); an existing
    directory is left as it is (it may be the user's own, such as ``.``)."""
    directory.parent.mkdir(parents=True, exist_ok=True)
    try:
        directory.mkdir(mode=DIR_MODE)
    except FileExistsError:
        if not directory.is_dir():
            raise
        return
    directory.chmod(DIR_MODE)  # whatever the umask


def tighten(path: Path) -> None:
    """Make an existing file of ours owner-only (0600) if it is more open; absent files are ignored."""
    with contextlib.suppress(FileNotFoundError):
        status = path.lstat()
        if stat.S_ISREG(status.st_mode) and status.st_mode & 0o077 and status.st_uid == os.geteuid():
            path.chmod(FILE_MODE)


def create_database_file(path: Path) -> None:
    """Create a database file owner-only before SQLite opens it: SQLite gives its ``-wal`` and ``-shm``
    files the database file's permissions. Files left more open by older versions are tightened."""
    make_private_dir(path.parent)
    os.close(os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), FILE_MODE))
    for name in (path.name, f"{path.name}-wal", f"{path.name}-shm", f"{path.name}-journal"):
        tighten(path.parent / name)
