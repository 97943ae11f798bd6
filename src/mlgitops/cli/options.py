"""Options shared by several subcommands: manifest paths, environment, target, output format."""

import argparse
import re
from pathlib import Path

DEFAULT_MANIFESTS = Path("manifests")


def add_paths(parser: argparse.ArgumentParser) -> None:
    """``PATH...`` positional arguments, defaulting to ``manifests/``."""
    parser.add_argument(
        "paths",
        nargs="*",
        type=Path,
        metavar="PATH",
        help="manifest files or directories (default: manifests/)",
    )


def add_project(
    parser: argparse.ArgumentParser,
    env_help: str = "environment from mlgitops.yaml (vars and default target)",
) -> None:
    """``--env`` and ``--config``: pick an environment from the project file."""
    parser.add_argument("--env", metavar="NAME", help=env_help)
    parser.add_argument(
        "--config", type=Path, metavar="FILE", help="project file (default: ./mlgitops.yaml when present)"
    )


def add_project_target(parser: argparse.ArgumentParser) -> None:
    """``add_project`` for the commands that take only the target from the environment."""
    add_project(parser, env_help="environment from mlgitops.yaml (its target)")


def add_environment(parser: argparse.ArgumentParser) -> None:
    """``add_project`` and ``--allow-plaintext-credentials``, for the commands that read manifests."""
    add_project(parser)
    parser.add_argument(
        "--allow-plaintext-credentials",
        action="store_true",
        help="accept literal credential values in manifests (local tests only; never in git)",
    )


def add_target(parser: argparse.ArgumentParser) -> None:
    """``--target``: ``local:DIR`` (default ``local:.mlgitops``) or an OpenSearch ``http(s)://`` URL."""
    parser.add_argument(
        "--target",
        metavar="TARGET",
        help="local:DIR for the embedded engine (default local:.mlgitops) or https://host:9200 (OpenSearch)",
    )


def manifest_paths(args: argparse.Namespace) -> list[Path]:
    """The manifest paths given, or the default directory."""
    paths: list[Path] = list(args.paths or [])
    return paths or [DEFAULT_MANIFESTS]


MAX_PORT = 65535


def port_number(text: str) -> int:
    """An argparse type: a TCP port number (0 picks a free one)."""
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid port {text!r}: not a number") from None
    if not 0 <= port <= MAX_PORT:
        raise argparse.ArgumentTypeError(f"invalid port {port}: must be between 0 and {MAX_PORT}")
    return port


_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h)")
_UNIT_SECONDS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}


def duration(text: str) -> float:
    """An argparse type: a duration such as ``30s``, ``5m``, ``1h30m``, ``500ms`` or ``0``, in seconds."""
    spec = text.strip().lower()
    if spec == "0":
        return 0.0
    parts = list(_DURATION_PART.finditer(spec))
    if not parts or "".join(part.group(0) for part in parts) != spec:
        raise argparse.ArgumentTypeError(
            f"invalid duration {text!r}: write a number with a unit, e.g. 30s, 5m, 1h30m or 500ms"
        )
    return sum(float(part.group(1)) * _UNIT_SECONDS[part.group(2)] for part in parts)


def add_lock_timeout(parser: argparse.ArgumentParser) -> None:
    """``--lock-timeout DURATION``: wait that long for another run's lock instead of failing at once."""
    parser.add_argument(
        "--lock-timeout",
        type=duration,
        default=0.0,
        metavar="DURATION",
        help="wait up to DURATION (30s, 5m) for a running reconcile to release the target's lock "
        "(default: fail at once)",
    )
