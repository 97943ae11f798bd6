"""``mlgitops execute``: run a managed agent (``_execute``) and print its answer."""

import argparse
import json
import sys
from typing import Any

from mlgitops.backends.opensearch.backend import UnknownResourceError
from mlgitops.cli import options, wiring
from mlgitops.cli.commands.simulate import parse_object
from mlgitops.cli.errors import EXIT_OK
from mlgitops.errors import ConfigError


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
    parameters = parse_object(args.parameters, "--parameters")
    target = wiring.resolve_target(args.target, config=args.config, env=args.env)
    with wiring.open_backend(target, missing=wiring.Missing.ERROR) as backend:
        try:
            result = backend.execute_agent(args.agent, parameters)
        except UnknownResourceError as exc:
            managed = ", ".join(exc.managed) or "none yet"
            raise ConfigError(f"{exc} (managed agents: {managed})") from exc
    json.dump(result, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return EXIT_OK
