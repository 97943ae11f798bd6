"""Options shared by several subcommands: manifest paths, environment, target, output format."""

import argparse
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


def add_environment(parser: argparse.ArgumentParser) -> None:
    """``--env`` and ``--config``: pick an environment from the project file."""
    parser.add_argument(
        "--env", metavar="NAME", help="environment from mlgitops.yaml (vars and default target)"
    )
    parser.add_argument(
        "--config", type=Path, metavar="FILE", help="project file (default: ./mlgitops.yaml when present)"
    )
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
