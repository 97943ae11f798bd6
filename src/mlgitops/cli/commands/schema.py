"""``mlgitops schema``: write the JSON Schemas built from the models, or check they are current."""

import argparse
import sys
from pathlib import Path
from typing import Any

from mlgitops.cli.errors import EXIT_ERROR, EXIT_OK
from mlgitops.errors import ConfigError
from mlgitops.model.schemas import ANY_DOCUMENT_FILE, build_all_schemas, build_document_schema, render_schema

DEFAULT_DIR = Path("schemas")


def register(subparsers: Any) -> None:
    """Add the ``schema`` subcommand."""
    parser = subparsers.add_parser(
        "schema",
        help="write or check the JSON Schemas in schemas/",
        description="Without options, print the any-document schema. --write regenerates schemas/, "
        "--check exits 1 when a file there is missing or stale.",
    )
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--write", action="store_true", help="write every schema file")
    mode.add_argument("--check", action="store_true", help="fail when a schema file is missing or stale")
    parser.add_argument("--dir", type=Path, default=DEFAULT_DIR, help="schema directory (default: schemas)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Dispatch on the mode."""
    if args.write:
        return _write(args.dir)
    if args.check:
        return _check(args.dir)
    sys.stdout.write(render_schema(build_document_schema()))
    return EXIT_OK


def _expected() -> dict[str, str]:
    return {name: render_schema(schema) for name, schema in build_all_schemas().items()}


def _write(directory: Path) -> int:
    try:
        directory.mkdir(parents=True, exist_ok=True)
        written = 0
        for name, text in _expected().items():
            path = directory / name
            if not path.is_file() or path.read_text(encoding="utf-8") != text:
                path.write_text(text, encoding="utf-8")
                written += 1
                print(f"wrote {path}", file=sys.stderr)
    except OSError as exc:
        raise ConfigError(f"cannot write schemas to {directory}: {exc.strerror or exc}") from exc
    print(f"{written} schema file(s) updated in {directory}", file=sys.stderr)
    return EXIT_OK


def _check(directory: Path) -> int:
    stale: list[str] = []
    for name, text in _expected().items():
        path = directory / name
        if not path.is_file():
            stale.append(f"{path} (missing)")
            continue
        try:
            current = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            current = None
        if current != text:
            stale.append(f"{path} (stale)")
    if stale:
        for entry in stale:
            print(f"error: {entry}", file=sys.stderr)
        print("run `mlgitops schema --write` to regenerate the schemas", file=sys.stderr)
        return EXIT_ERROR
    print(f"schemas in {directory} are up to date ({ANY_DOCUMENT_FILE} and one per kind)", file=sys.stderr)
    return EXIT_OK
