"""``mlgitops simulate``: run documents through a managed ingest pipeline and print the result."""

import argparse
import json
import sys
from typing import Any

from mlgitops.backends.opensearch.backend import UnknownResourceError
from mlgitops.cli import options, wiring
from mlgitops.cli.errors import EXIT_OK
from mlgitops.errors import ConfigError


def register(subparsers: Any) -> None:
    """Add the ``simulate`` subcommand."""
    parser = subparsers.add_parser(
        "simulate",
        help="run documents through a managed ingest pipeline (by its manifest name)",
        description="Look up PIPELINE in the target's ownership records and call "
        "_ingest/pipeline/ID/_simulate with each --doc as a document's _source; prints the JSON "
        "result (nothing is indexed).",
        epilog='Example: mlgitops simulate passage-embedding --doc \'{"passage_text": "hello"}\' --env demo',
    )
    parser.add_argument("pipeline", metavar="PIPELINE", help="the IngestPipeline's metadata.name")
    parser.add_argument("--doc", action="append", required=True, metavar="JSON", help="a document source")
    options.add_target(parser)
    options.add_environment(parser)
    parser.set_defaults(handler=run)


def parse_object(text: str, option: str) -> dict[str, Any]:
    """A JSON object given on the command line; ConfigError naming the option otherwise."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{option} is not valid JSON: {exc.msg} at column {exc.colno}") from exc
    if not isinstance(value, dict):
        raise ConfigError(f'{option} must be a JSON object, e.g. {{"text": "hello"}}')
    return value


def run(args: argparse.Namespace) -> int:
    """Simulate and print the result as JSON."""
    sources = [parse_object(doc, "--doc") for doc in args.doc]
    target = wiring.resolve_target(args.target, config=args.config, env=args.env)
    with wiring.open_backend(target, missing=wiring.Missing.ERROR) as backend:
        try:
            result = backend.simulate(args.pipeline, sources)
        except UnknownResourceError as exc:
            managed = ", ".join(exc.managed) or "none yet"
            raise ConfigError(f"{exc} (managed ingest pipelines: {managed})") from exc
    json.dump(result, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return EXIT_OK
