"""Composition root: turn a ``--target`` string into a Backend (the local engine or an OpenSearch URL)."""

import contextlib
from collections.abc import Iterator
from pathlib import Path

from mlgitops.backends.opensearch import backend as opensearch
from mlgitops.engine import LocalEngine
from mlgitops.engine.transport import EngineTransport
from mlgitops.errors import ConfigError
from mlgitops.manifests import read_project_config

DEFAULT_TARGET = "local:.mlgitops"
LOCAL_BASE_URL = "http://local-engine"

TARGET_FORMS = (
    "local:DIR (the embedded engine, e.g. local:.mlgitops) or http(s)://HOST:PORT (an OpenSearch cluster)"
)


def resolve_target(target: str | None, *, config: Path | None = None, env: str | None = None) -> str:
    """``--target`` if given, else the environment's target (project file), else ``local:.mlgitops``."""
    if target:
        return target
    if env is None:
        return DEFAULT_TARGET
    project = read_project_config(config)
    if env not in project.environments:
        known = ", ".join(sorted(project.environments)) or "none defined in the project file"
        raise ConfigError(f"unknown environment '{env}' (known: {known})")
    return project.environments[env].target or DEFAULT_TARGET


def describe_target(target: str) -> str:
    """The kind of target, for messages: ``local engine in DIR`` or ``OpenSearch at URL``."""
    if target.startswith("local:"):
        return f"local engine in {target.removeprefix('local:') or '.'}"
    return f"OpenSearch at {target}"


@contextlib.contextmanager
def open_backend(target: str | None = None) -> Iterator[opensearch.OpenSearchBackend]:
    """Open the backend for ``target`` (default ``local:.mlgitops``) and close it afterwards.

    Raises:
        ConfigError: the target is neither ``local:DIR`` nor an ``http(s)://`` URL.
    """
    target = target or DEFAULT_TARGET
    if target.startswith("local:"):
        directory = target.removeprefix("local:")
        if not directory:
            raise ConfigError(f"target {target!r} has no directory; use {TARGET_FORMS}")
        with LocalEngine(Path(directory)) as engine:
            backend = opensearch.connect(LOCAL_BASE_URL, transport=EngineTransport(engine))
            try:
                yield backend
            finally:
                backend.close()
        return
    if target.startswith(("http://", "https://", "aws+https://")):
        backend = opensearch.connect(target)
        try:
            yield backend
        finally:
            backend.close()
        return
    raise ConfigError(f"unknown target {target!r}; use {TARGET_FORMS}")
