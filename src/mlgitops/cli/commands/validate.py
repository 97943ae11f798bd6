"""``mlgitops validate``: schema and semantic checks of the manifests, reported all at once."""

import argparse
import os
import sys
from typing import Any

from mlgitops.cli import options
from mlgitops.cli.errors import EXIT_ERROR, EXIT_OK
from mlgitops.manifests import (
    cachefiles,
    default_manifest_paths,
    load_manifests,
    project_variables,
    read_project_config,
)
from mlgitops.manifests.rendering import (
    OUTPUT_FORMATS,
    render_github,
    render_json,
    render_summary,
    render_text,
)


def register(subparsers: Any) -> None:
    """Add the ``validate`` subcommand."""
    parser = subparsers.add_parser(
        "validate",
        help="check manifests against the JSON Schemas and ML Commons rules",
        description="Validate manifests: JSON Schema per kind, then semantic checks (ML Commons 2.19). "
        "Exit 0 when valid (warnings allowed), 1 when not.",
    )
    options.add_paths(parser)
    options.add_environment(parser)
    parser.add_argument(
        "--output", "-o", choices=OUTPUT_FORMATS, default="text", help="report format (default: text)"
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Validate and print the report; the exit code says whether the manifests are valid."""
    config = read_project_config(args.config)
    variables = project_variables(config, args.env)
    paths = list(args.paths) or default_manifest_paths(config, args.config)
    result = load_manifests(
        paths,
        variables=variables,
        allow_plaintext_credentials=args.allow_plaintext_credentials,
        cache=cachefiles.open_cache(os.environ),
    )
    documents = result.documents_read
    if args.output == "json":
        sys.stdout.write(render_json(result.issues, documents, len(result.documents)))
    elif args.output == "github":
        sys.stdout.write(render_github(result.issues))
        print(render_summary(result.issues, documents), file=sys.stderr)
    else:
        sys.stdout.write(render_text(result.issues))
        print(render_summary(result.issues, documents), file=sys.stderr)
    return EXIT_OK if result.ok else EXIT_ERROR
