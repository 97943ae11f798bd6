"""``mlgitops import``: write manifests for what a target holds and mlgitops does not own."""

import argparse
import contextlib
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from mlgitops.cli import options, wiring
from mlgitops.cli.errors import EXIT_OK
from mlgitops.errors import ConfigError
from mlgitops.plan.exporting import Export, build_export
from mlgitops.plan.exportyaml import render_files

DEFAULT_OUT = Path("manifests/imported")

DESCRIPTION = (
    "Write manifests (one YAML file per kind) for everything the target holds that mlgitops does not "
    "own: non-default plugins.ml_commons.* settings, model groups, connectors, remote models (inline "
    "connectors included, deployed as they are), ingest and search pipelines, agents. Ids become logical "
    "names; model ids in pipelines and agents become {model: NAME}. Credentials cannot be read back: "
    "each is an {env: NAME} reference, and the file's comment and this command's output say which value "
    "to set. Then `mlgitops reconcile --adopt` takes ownership. Adoption does not re-send credentials: "
    "the target keeps its stored values and mlgitops records the keyed digest of the values you provide "
    "(it cannot check they match), so the next plan is empty and no deployed model is undeployed; a "
    "later change of a provided value is sent like any credential change. Existing files are kept "
    "unless --force; nothing is written when anything fails."
)


def register(subparsers: Any) -> None:
    """Add the ``import`` subcommand."""
    parser = subparsers.add_parser(
        "import", help="write manifests for what the target holds and mlgitops does not own",
        description=DESCRIPTION,
        epilog="Example: mlgitops import --target https://search:9200 --out manifests/imported",
    )  # fmt: skip
    options.add_target(parser)
    options.add_project_target(parser)
    parser.add_argument(
        "--out",
        type=Path,
        default=DEFAULT_OUT,
        metavar="DIR",
        help=f"directory to write (default {DEFAULT_OUT})",
    )
    parser.add_argument("--force", action="store_true", help="overwrite files a previous import wrote")
    parser.set_defaults(handler=run)


def check_out_dir(out: Path) -> None:
    """A one-line ConfigError when ``out`` (or a parent) exists but is not a directory."""
    for path in (out, *out.parents):
        if path.exists() and not path.is_dir():
            raise ConfigError(f"--out {out}: {path} is a file, not a directory; give a directory to write to")


def run(args: argparse.Namespace) -> int:
    """Read the target, build the manifests and write them (nothing is written on any error)."""
    out: Path = args.out
    check_out_dir(out)
    target = wiring.resolve_target(args.target, config=args.config, env=args.env)
    with wiring.open_backend(target, missing=wiring.Missing.ERROR) as backend:
        export = build_export(backend.read_snapshot())
    for warning in export.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    files = render_files(export.documents, export.credentials, _schema_path(out, args.config))
    if not files:
        print("nothing to import: the target holds nothing that mlgitops does not manage", file=sys.stderr)
        return EXIT_OK
    existing = sorted(str(out / name) for name in files if (out / name).exists())
    if existing and not args.force:
        raise ConfigError(f"{', '.join(existing)} already exist; re-run with --force to overwrite them")
    write_files(out, files)
    _report(out, files, export, wiring.target_flags(args, target))
    return EXIT_OK


def _schema_path(out: Path, config: Path | None) -> str:
    root = config.parent if config is not None else Path()
    schema = (root / "schemas" / "manifest.schema.json").absolute()
    return Path(os.path.relpath(schema, out.absolute())).as_posix()


def write_files(out: Path, files: dict[str, str]) -> None:
    """Write every file, or none: each goes to a temporary file first, then all are renamed."""
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"--out {out}: cannot create the directory ({exc.strerror})") from None
    staged: list[tuple[Path, Path]] = []
    try:
        for name, text in files.items():
            fd, staging = tempfile.mkstemp(prefix=f".{name}.", dir=out)
            staged.append((Path(staging), out / name))
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text)
        for staged_path, final in staged:
            staged_path.replace(final)
    except OSError as exc:
        raise ConfigError(f"--out {out}: cannot write ({exc.strerror})") from None
    finally:
        for staged_path, _ in staged:
            with contextlib.suppress(FileNotFoundError):
                staged_path.unlink()


def _report(out: Path, files: dict[str, str], export: Export, flags: str) -> None:
    total = sum(len(docs) for docs in export.documents.values())
    print(f"wrote {total} manifests to {out}: {', '.join(files)}", file=sys.stderr)
    if export.credentials:
        print("set these before adopting (credentials cannot be read back from the target):", file=sys.stderr)
        for hint in export.credentials:
            print(f"  {hint.env}: credential '{hint.key}' of {hint.owner}", file=sys.stderr)
    print(
        f"next: mlgitops validate {out}, then mlgitops reconcile --adopt {out} {flags} "
        "(review its plan first: mlgitops plan --adopt)",
        file=sys.stderr,
    )
