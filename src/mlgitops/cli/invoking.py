"""Shared shape of the commands that call one managed resource by its manifest name and print JSON."""

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from mlgitops.backends.opensearch.backend import OpenSearchBackend, UnknownResourceError
from mlgitops.cli import wiring
from mlgitops.cli.errors import EXIT_OK
from mlgitops.errors import ConfigError


def parse_object(text: str, option: str) -> dict[str, Any]:
    """A JSON object given on the command line; ConfigError naming the option otherwise."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{option} is not valid JSON: {exc.msg} at column {exc.colno}") from exc
    if not isinstance(value, dict):
        raise ConfigError(f'{option} must be a JSON object, e.g. {{"text": "hello"}}')
    return value


def call_managed(
    target_spec: str | None,
    *,
    config: Path | None,
    env: str | None,
    managed_label: str,
    call: Callable[[OpenSearchBackend], Any],
) -> int:
    """Open the target, run ``call`` on it, print its result as JSON.

    An unknown name becomes a ConfigError listing the managed names of that kind (``managed_label``).
    """
    target = wiring.resolve_target(target_spec, config=config, env=env)
    with wiring.open_backend(target, missing=wiring.Missing.ERROR) as backend:
        try:
            result = call(backend)
        except UnknownResourceError as exc:
            managed = ", ".join(exc.managed) or "none yet"
            raise ConfigError(f"{exc} ({managed_label}: {managed})") from exc
    json.dump(result, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return EXIT_OK
