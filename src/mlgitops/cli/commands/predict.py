"""``mlgitops predict``: call a managed model by its logical name and print the JSON answer."""

import argparse
import difflib
import json
import sys
from collections.abc import Sequence
from typing import Any

from mlgitops.backends.opensearch.backend import UnknownModelError
from mlgitops.cli import options, wiring
from mlgitops.cli.errors import EXIT_OK
from mlgitops.errors import ConfigError


def register(subparsers: Any) -> None:
    """Add the ``predict`` subcommand."""
    parser = subparsers.add_parser(
        "predict",
        help="run a prediction on a managed model (by its manifest name)",
        description="Look up MODEL's id in the target's ownership records and call _predict; prints the JSON "
        "result. --parameters sends {'parameters': ...}; --text-docs uses /_predict/ALGORITHM/ID.",
        epilog='Examples: mlgitops predict chat --parameters \'{"inputs": "hello"}\'; '
        "mlgitops predict embeddings --text-docs 'hello world' --env dev",
    )
    parser.add_argument("model", metavar="MODEL", help="the model's metadata.name in the manifests")
    parser.add_argument("--parameters", metavar="JSON", help='a JSON object, e.g. \'{"inputs": "hello"}\'')
    parser.add_argument("--text-docs", nargs="+", metavar="TEXT", help="documents for a text-embedding model")
    parser.add_argument(
        "--algorithm", default="text_embedding", help="algorithm for --text-docs (default: text_embedding)"
    )
    options.add_target(parser)
    options.add_environment(parser)
    parser.set_defaults(handler=run)


def build_request(parameters: str | None, text_docs: list[str] | None) -> dict[str, Any]:
    """The predict body from the command-line options."""
    body: dict[str, Any] = {}
    if parameters is not None:
        try:
            value = json.loads(parameters)
        except json.JSONDecodeError as exc:
            raise ConfigError(f"--parameters is not valid JSON: {exc.msg} at column {exc.colno}") from exc
        if not isinstance(value, dict):
            raise ConfigError('--parameters must be a JSON object, e.g. {"inputs": "hello"}')
        body["parameters"] = value
    if text_docs:
        body["text_docs"] = list(text_docs)
    if not body:
        raise ConfigError("give --parameters JSON or --text-docs TEXT...")
    return body


def _unknown_model(model: str, target: str, managed: Sequence[str]) -> str:
    """No managed model named ``model``: name the target and the closest managed names."""
    where = wiring.describe_target(target)
    close = difflib.get_close_matches(model, managed, n=3, cutoff=0.5)
    if close:
        hint = "did you mean " + " or ".join(repr(name) for name in close) + "?"
    elif managed:
        hint = "managed models: " + ", ".join(sorted(managed)[:10])
    else:
        hint = "no model is managed there yet; reconcile its manifest first"
    return f"no model named {model!r} is managed on {where}; {hint}"


def run(args: argparse.Namespace) -> int:
    """Predict and print the result as JSON."""
    body = build_request(args.parameters, args.text_docs)
    target = wiring.resolve_target(args.target, config=args.config, env=args.env)
    algorithm = args.algorithm if args.text_docs else None
    with wiring.open_backend(target, missing=wiring.Missing.ERROR) as backend:
        try:
            result = backend.predict(args.model, body, algorithm=algorithm)
        except UnknownModelError as exc:
            raise ConfigError(_unknown_model(args.model, target, exc.managed)) from exc
    json.dump(result, sys.stdout, indent=2, sort_keys=False)
    sys.stdout.write("\n")
    return EXIT_OK
