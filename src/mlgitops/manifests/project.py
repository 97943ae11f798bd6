"""Read the project file ``mlgitops.yaml`` and pick an environment's variables."""

from functools import lru_cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

from mlgitops.errors import ConfigError
from mlgitops.manifests.loading import FileReadError, read_yaml_file
from mlgitops.manifests.positions import Positions
from mlgitops.manifests.schema_messages import describe
from mlgitops.model.project import PROJECT_FILE, ProjectConfig


@lru_cache(maxsize=1)
def _validator() -> Draft202012Validator:
    return Draft202012Validator(ProjectConfig.model_json_schema())


def read_project_config(path: Path | None) -> ProjectConfig:
    """The project file at ``path``; None means ``./mlgitops.yaml`` when it exists, else the defaults.

    Raises ConfigError (with file:line:col) for a missing explicit file or invalid content.
    """
    if path is None:
        path = Path(PROJECT_FILE)
        if not path.is_file():
            return ProjectConfig()
    if not path.is_file():
        problem = "is not a file" if path.exists() else "not found"
        raise ConfigError(f"project file {path} {problem}")
    try:
        data, positions = read_yaml_file(path)
    except FileReadError as exc:
        raise ConfigError(f"project file {exc}") from exc
    if data is None:
        return ProjectConfig()
    return _validate(path, data, positions)


def _validate(path: Path, data: Any, positions: Positions | None) -> ProjectConfig:
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: the project file must be a mapping (vars, environments, manifests)")
    problems: list[str] = []
    for error in _validator().iter_errors(data):
        for json_path, message in describe(error):
            line, column = positions.locate(json_path) if positions is not None else (1, 1)
            problems.append(f"{path}:{line}:{column}: {message}")
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise ConfigError(f"project file {problems[0]}{more}")
    return ProjectConfig.model_validate(data)


def project_variables(config: ProjectConfig, environment: str | None) -> dict[str, Any]:
    """Shared ``vars`` overlaid with the environment's; an unknown environment is a ConfigError."""
    if environment is not None and environment not in config.environments:
        known = ", ".join(sorted(config.environments)) or "none defined in the project file"
        raise ConfigError(f"unknown environment '{environment}' (known: {known})")
    return config.variables(environment)


def default_manifest_paths(config: ProjectConfig, config_path: Path | None) -> list[Path]:
    """The project's manifest directory (``manifests:``), relative to an explicit project file."""
    base = config_path.parent if config_path is not None else Path()
    return [base / config.manifests]
