"""``mlgitops execute``: run a managed agent (``_execute``) and print its answer."""

import argparse
from typing import Any

from mlgitops.cli import invoking, options


def register(subparsers: Any) -> None:
    """Add the ``execute`` subcommand."""
    parser = subparsers.add_parser(
        "execute",
        help="run a managed agent (by its manifest name)",
        description="Look up AGENT in the target's ownership records and call "
        "/_plugins/_ml/agents/ID/_execute with --parameters; prints the JSON result.",
        epilog='Example: mlgitops execute chat-assistant --parameters \'{"question": "hi"}\' --env demo',
    )
    parser.add_argument("agent", metavar="AGENT", help="the Agent's metadata.name")
    parser.add_argument("--parameters", required=True, metavar="JSON", help="a JSON object")
    options.add_target(parser)
    options.add_environment(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Execute and print the result as JSON."""
    parameters = invoking.parse_object(args.parameters, "--parameters")
    return invoking.call_managed(
        args.target,
        config=args.config,
        env=args.env,
        managed_label="managed agents",
        call=lambda backend: backend.execute_agent(args.agent, parameters),
    )
