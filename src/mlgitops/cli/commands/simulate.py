"""``mlgitops simulate``: run documents through a managed ingest pipeline and print the result."""

import argparse
from typing import Any

from mlgitops.cli import invoking, options


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


def run(args: argparse.Namespace) -> int:
    """Simulate and print the result as JSON."""
    sources = [invoking.parse_object(doc, "--doc") for doc in args.doc]
    return invoking.call_managed(
        args.target,
        config=args.config,
        env=args.env,
        managed_label="managed ingest pipelines",
        call=lambda backend: backend.simulate(args.pipeline, sources),
    )
