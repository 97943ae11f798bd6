"""Command-line entry point: the top-level parser, shared flags and logging set-up."""

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence
from typing import Any

from mlgitops import __version__
from mlgitops.cli.errors import EXIT_USAGE, run_guarded

# Each module defines ``register(subparsers)``, which adds its parser and sets ``handler`` to a
# function ``(args) -> int``.
COMMAND_MODULES = (
    "validate",
    "schema",
    "plan",
    "reconcile",
    "watch",
    "predict",
    "simulate",
    "execute",
    "engine",
    "standin",
    "unlock",
    "import_",
)


class _Parser(argparse.ArgumentParser):
    """argparse with a usage exit code that cannot collide with ``--detailed-exitcode``'s 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        print(f"{self.prog}: error: {message}", file=sys.stderr)
        raise SystemExit(EXIT_USAGE)


class _UserFormatter(logging.Formatter):
    """``warning: message`` for people; records logged with ``extra={"located": True}`` already say
    ``FILE:LINE:COL: warning: ...`` and are printed as they are. ``-v`` adds the logger name."""

    def __init__(self, *, show_source: bool) -> None:
        super().__init__()
        self._show_source = show_source

    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage()
        if not getattr(record, "located", False):
            message = f"{record.levelname.lower()}: {message}"
        return f"[{record.name}] {message}" if self._show_source else message


DESCRIPTION = (
    "Declarative GitOps for OpenSearch ML Commons remote models: validate manifests, plan and "
    "reconcile them against a local engine or an OpenSearch cluster."
)
EPILOG = "Run 'mlgitops COMMAND --help' for a command's options. Example: mlgitops plan --env staging"


def _add_global_flags(parser: argparse.ArgumentParser, *, top: bool) -> None:
    """``--traceback`` and ``-v``; on subcommands they default to SUPPRESS so the top level's value stays."""
    extra: dict[str, Any] = {} if top else {"default": argparse.SUPPRESS}
    parser.add_argument(
        "--traceback", action="store_true", help="show a traceback for internal errors", **extra
    )
    parser.add_argument(
        "-v", "--verbose", action="count", help="more logging (-vv for debug)", **({"default": 0} | extra)
    )


def _subparsers_of(parser: argparse.ArgumentParser) -> list[argparse.ArgumentParser]:
    """The distinct parsers of ``parser``'s subcommands (aliases share one parser)."""
    found: list[argparse.ArgumentParser] = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in action.choices.values():
                if all(child is not seen for seen in found):
                    found.append(child)
    return found


def _add_flags_everywhere(parser: argparse.ArgumentParser) -> None:
    for child in _subparsers_of(parser):
        _add_global_flags(child, top=False)
        _add_flags_everywhere(child)


def build_parser() -> argparse.ArgumentParser:
    """The full parser, with every available subcommand."""
    parser = _Parser(prog="mlgitops", description=DESCRIPTION, epilog=EPILOG)
    parser.add_argument("--version", action="version", version=f"mlgitops {__version__}")
    _add_global_flags(parser, top=True)
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(f"mlgitops.cli.commands.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"mlgitops.cli.commands.{name}":
                raise
            continue
        module.register(subparsers)
    _add_flags_everywhere(parser)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Parse ``argv`` and run the chosen command; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    verbosity = min(args.verbose, 2)
    handler_ = logging.StreamHandler(sys.stderr)
    handler_.setFormatter(_UserFormatter(show_source=verbosity > 0))
    logging.basicConfig(level=logging.WARNING - 10 * verbosity, handlers=[handler_])
    handler = args.handler
    return run_guarded(lambda: int(handler(args)), show_traceback=args.traceback)


def entrypoint() -> None:
    """Console-script entry point."""
    raise SystemExit(main())
