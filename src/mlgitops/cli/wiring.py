"""Composition root: turn a ``--target`` string into a Backend (the local engine or an OpenSearch URL)."""

import argparse
import contextlib
import re
import shlex
import tempfile
from collections.abc import Iterator
from enum import Enum
from pathlib import Path

from mlgitops.backends.opensearch import backend as opensearch
from mlgitops.cli.localbackend import LocalEngineBackend
from mlgitops.engine import LocalEngine
from mlgitops.engine.http.transport import EngineTransport
from mlgitops.errors import ConfigError
from mlgitops.manifests import read_project_config

DEFAULT_TARGET = "local:.mlgitops"
LOCAL_BASE_URL = "http://local-engine"
LOCAL_PREFIX = "local:"
REMOTE_PREFIXES = ("http://", "https://", "aws+https://")

TARGET_FORMS = (
    "local:DIR (the embedded engine, e.g. local:.mlgitops) or http(s)://HOST:PORT (an OpenSearch cluster)"
)


class Missing(Enum):
    """What ``open_backend`` does when a ``local:DIR`` target's directory does not exist."""

    CREATE = "create"  # reconcile: create the engine
    EMPTY = "empty"  # read-only commands: plan against an empty, temporary engine
    ERROR = "error"  # commands that need a real engine (predict, unlock)


def resolve_target(target: str | None, *, config: Path | None = None, env: str | None = None) -> str:
    """``--target`` if given, else the environment's target (project file), else ``local:.mlgitops``.

    A relative ``local:DIR`` from the project file is relative to that file's directory; a ``--target``
    stays relative to the current directory.
    """
    if target:
        return target
    if env is None:
        return DEFAULT_TARGET
    project = read_project_config(config)
    if env not in project.environments:
        known = ", ".join(sorted(project.environments)) or "none defined in the project file"
        raise ConfigError(f"unknown environment '{env}' (known: {known})")
    configured = project.environments[env].target
    return _relative_to_project(configured, config) if configured else DEFAULT_TARGET


def _relative_to_project(target: str, config: Path | None) -> str:
    if config is None or not target.startswith(LOCAL_PREFIX):
        return target
    directory = target.removeprefix(LOCAL_PREFIX)
    if not directory or Path(directory).is_absolute():
        return target
    return LOCAL_PREFIX + str(config.parent / directory)


def target_flags(args: argparse.Namespace, target: str) -> str:
    """The options that select ``target`` again: ``--env NAME`` (and ``--config``) or ``--target T``."""
    if not getattr(args, "target", None) and getattr(args, "env", None):
        config = f" --config {shlex.quote(str(args.config))}" if getattr(args, "config", None) else ""
        return f"--env {shlex.quote(args.env)}{config}"
    return f"--target {shlex.quote(target)}"


def describe_target(target: str) -> str:
    """The kind of target, for messages: ``local engine in DIR`` or ``OpenSearch at URL``."""
    if target.startswith(LOCAL_PREFIX):
        return f"local engine in {target.removeprefix(LOCAL_PREFIX) or '.'}"
    return f"OpenSearch at {target}"


def missing_local_engine(target: str) -> Path | None:
    """The directory of a ``local:DIR`` target when it does not exist yet, else None."""
    if not target.startswith(LOCAL_PREFIX):
        return None
    directory = Path(target.removeprefix(LOCAL_PREFIX) or ".")
    return directory if is_missing_engine_dir(directory) else None


def is_missing_engine_dir(directory: Path) -> bool:
    """True when nothing is at ``directory`` yet; a path blocked by a file is not "missing" (opening
    the engine there reports what is wrong with it)."""
    if directory.exists():
        return False
    return not any(parent.exists() and not parent.is_dir() for parent in directory.parents)


@contextlib.contextmanager
def open_backend(
    target: str | None = None, *, missing: Missing = Missing.CREATE
) -> Iterator[opensearch.OpenSearchBackend]:
    """Open the backend for ``target`` (default ``local:.mlgitops``) and close it afterwards.

    Raises:
        ConfigError: the target is neither ``local:DIR`` nor an ``http(s)://`` URL, or (``Missing.ERROR``)
            its engine directory does not exist.
    """
    target = target or DEFAULT_TARGET
    if target.startswith(LOCAL_PREFIX):
        with _open_local(target, missing) as local:
            yield local
        return
    if target.startswith(REMOTE_PREFIXES):
        remote = opensearch.connect(target)
        try:
            yield remote
        finally:
            remote.close()
        return
    raise unknown_target(target)


def unknown_target(target: str) -> ConfigError:
    """The error for a target that is neither ``local:DIR`` nor an ``http(s)://`` URL."""
    return ConfigError(f"unknown target {target!r}; use {TARGET_FORMS}")


def local_directory(target: str) -> str:
    """The engine directory of a ``local:DIR`` target; ConfigError when it names none."""
    directory = target.removeprefix(LOCAL_PREFIX)
    if not directory:
        raise ConfigError(f"target {target!r} has no directory; use {TARGET_FORMS}")
    return directory


@contextlib.contextmanager
def _open_local(target: str, missing: Missing) -> Iterator[LocalEngineBackend]:
    directory = local_directory(target)
    absent = missing_local_engine(target) is not None
    if absent and missing is Missing.ERROR:
        raise ConfigError(f"no engine at {directory} (reconcile creates it)")
    with contextlib.ExitStack() as stack:
        if absent and missing is Missing.EMPTY:
            directory = stack.enter_context(tempfile.TemporaryDirectory(prefix="mlgitops-empty-"))
        engine = stack.enter_context(LocalEngine(Path(directory)))
        connected = opensearch.connect(LOCAL_BASE_URL, transport=EngineTransport(engine))
        backend = LocalEngineBackend(connected.client, engine)
        try:
            yield backend
        finally:
            backend.close()


@contextlib.contextmanager
def open_local_backend(target: str) -> Iterator[LocalEngineBackend]:
    """The backend of an existing ``local:DIR`` engine, with access to the engine itself."""
    with _open_local(target, Missing.ERROR) as backend:
        yield backend


_UNLOCK_COMMAND = re.compile(r"(mlgitops unlock \S+)")


def with_unlock_target(message: str, flags: str) -> str:
    """``message`` with the target options added to its ``mlgitops unlock ID`` hint, so it runs as printed."""
    return _UNLOCK_COMMAND.sub(lambda match: f"{match.group(1)} {flags}", message, count=1)
