"""``mlgitops plan``: what reconcile would change, as text, markdown or JSON; ``--out`` saves it."""

import argparse
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO, TypedDict

from mlgitops.cli import localbackend, options, wiring
from mlgitops.cli.errors import EXIT_CHANGES, EXIT_ERROR, EXIT_OK
from mlgitops.errors import ConfigError, ManifestError
from mlgitops.manifests import (
    Issue,
    ManifestCache,
    cachefiles,
    default_manifest_paths,
    project_variables,
    read_project_config,
)
from mlgitops.plan.actions import Plan
from mlgitops.plan.jsonplan import render_json
from mlgitops.plan.markdown import render_markdown
from mlgitops.plan.rendering import render_text
from mlgitops.plan.saved import build_saved_plan
from mlgitops.service import plan_once

OUTPUTS = ("text", "json", "markdown")


def add_plan_options(parser: argparse.ArgumentParser) -> None:
    """Options shared by ``plan`` and ``reconcile``."""
    options.add_paths(parser)
    options.add_environment(parser)
    options.add_target(parser)
    parser.add_argument(
        "--output", "-o", choices=OUTPUTS, default="text", help="output format (default: text)"
    )
    parser.add_argument(
        "--detailed-exitcode",
        action="store_true",
        help="exit 0 when there is nothing to do, 2 when there are changes, 1 on error",
    )
    parser.add_argument("--prune", action="store_true", help="delete owned resources that left the manifests")
    parser.add_argument(
        "--allow-empty", action="store_true", help="allow --prune with no resource in the manifests"
    )
    parser.add_argument(
        "--adopt",
        action="store_true",
        help="manage existing unowned resources with the same name (credentials recorded, not re-sent)",
    )
    parser.add_argument("--no-color", action="store_true", help="no colour, even on a terminal")


def register(subparsers: Any) -> None:
    """Add the ``plan`` subcommand."""
    parser = subparsers.add_parser(
        "plan",
        help="show what reconcile would change (read only)",
        description="Compare the manifests with the target and print the ordered plan. Changes nothing "
        "(a local target that does not exist yet is planned as empty, and not created). "
        "With --detailed-exitcode: 0 no changes, 2 changes, 1 error.",
        epilog="Example: mlgitops plan --env staging --output markdown --out plan.json",
    )
    add_plan_options(parser)
    parser.add_argument("--out", type=Path, metavar="FILE", help="save the plan for `reconcile --plan FILE`")
    parser.set_defaults(handler=run)


@dataclass(frozen=True)
class Settings:
    """The resolved command-line context of a plan or reconcile."""

    paths: list[Path]
    variables: dict[str, Any]
    target: str
    prune: bool


def read_settings(args: argparse.Namespace) -> Settings:
    """Project file, environment, target and manifest paths from the arguments."""
    config = read_project_config(args.config)
    variables = project_variables(config, args.env)
    target = wiring.resolve_target(args.target, config=args.config, env=args.env)
    env_prune = bool(args.env and config.environments[args.env].prune)
    paths = list(args.paths) or default_manifest_paths(config, args.config)
    return Settings(paths, variables, target, bool(args.prune) or env_prune)


class PassArguments(TypedDict):
    """The keyword arguments that ``plan_once`` and ``reconcile_once`` take from a plan or reconcile."""

    variables: dict[str, Any]
    prune: bool
    adopt: bool
    allow_empty: bool
    allow_plaintext_credentials: bool
    target: str
    cache: ManifestCache


def pass_arguments(settings: Settings, args: argparse.Namespace) -> PassArguments:
    """The resolved settings and flags, as keyword arguments of a plan or reconcile pass."""
    return PassArguments(
        variables=settings.variables,
        prune=settings.prune,
        adopt=args.adopt,
        allow_empty=args.allow_empty,
        allow_plaintext_credentials=args.allow_plaintext_credentials,
        target=settings.target,
        cache=cachefiles.open_cache(os.environ),
    )


def use_colour(args: argparse.Namespace, stream: TextIO) -> bool:
    """Colour only on a terminal, never with --no-color or a non-empty NO_COLOR."""
    if args.no_color or os.environ.get("NO_COLOR"):
        return False
    return stream.isatty()


def render_plan(plan: Plan, output: str, *, colour: bool) -> str:
    """The plan in the chosen format."""
    if output == "json":
        return render_json(plan)
    if output == "markdown":
        return render_markdown(plan)
    return render_text(plan, colour=colour)


def report_issues(exc: ManifestError) -> int:
    """Print every located manifest issue (not just the first) and return the error exit code."""
    issues = [issue for issue in exc.issues if isinstance(issue, Issue)]
    if not issues:
        raise exc
    for issue in issues:
        print(issue.format(), file=sys.stderr)
    print(f"error: {len(issues)} problem(s) in the manifests", file=sys.stderr)
    return EXIT_ERROR


def write_saved_plan(path: Path, plan: Plan) -> None:
    """Write ``plan --out``'s file (owner-only permissions)."""
    text = json.dumps(build_saved_plan(plan), indent=2, ensure_ascii=False) + "\n"
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
    except OSError as exc:
        raise ConfigError(f"cannot write the plan to {path}: {exc.strerror}") from exc


def run(args: argparse.Namespace) -> int:
    """Plan and print; exit 2 with --detailed-exitcode when there are changes."""
    settings = read_settings(args)
    absent = wiring.missing_local_engine(settings.target)
    if absent is not None:
        print(
            f"note: {wiring.describe_target(settings.target)} does not exist yet; planning against an empty "
            "engine (reconcile creates it)",
            file=sys.stderr,
        )
    try:
        with wiring.open_backend(settings.target, missing=wiring.Missing.EMPTY) as backend:
            outcome = plan_once(settings.paths, backend=backend, **pass_arguments(settings, args))
            plan = localbackend.with_warnings(outcome.plan, backend)
    except ManifestError as exc:
        return report_issues(exc)
    sys.stdout.write(render_plan(plan, args.output, colour=use_colour(args, sys.stdout)))
    if getattr(args, "out", None) is not None:
        write_saved_plan(args.out, plan)
        print(
            f"saved the plan to {args.out}: apply it with `mlgitops reconcile --plan {args.out}`",
            file=sys.stderr,
        )
    if args.detailed_exitcode and not plan.is_empty:
        return EXIT_CHANGES
    return EXIT_OK
