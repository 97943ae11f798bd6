"""``mlgitops watch``: re-plan on every save; ``--apply`` reconciles; ``--interval`` shows or heals drift."""

import argparse
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mlgitops.cli import options, wiring
from mlgitops.cli.commands import plan as plan_command
from mlgitops.cli.errors import EXIT_OK
from mlgitops.cli.keeping import KeptTargets
from mlgitops.errors import ConfigError, LockError
from mlgitops.manifests import (
    ManifestCache,
    cachefiles,
    default_manifest_paths,
    project_variables,
    read_project_config,
)
from mlgitops.model.project import PROJECT_FILE
from mlgitops.plan.rendering import render_text
from mlgitops.plan.report import render_report_text
from mlgitops.service import plan_once, reconcile_once
from mlgitops.watch import (
    DEFAULT_DEBOUNCE_MS,
    QUIET_MS,
    ChangeFeed,
    HeldWarnings,
    InterruptGuard,
    PlanView,
    make_pass,
    run_watch,
    watch_sources,
)


def register(subparsers: Any) -> None:
    """Add the ``watch`` subcommand."""
    parser = subparsers.add_parser(
        "watch",
        help="re-plan whenever the manifests change (--apply also reconciles)",
        description="Validate and plan at start and on every save of a manifest or of mlgitops.yaml. "
        "A broken save shows its errors and watching goes on. --apply reconciles each change; "
        "--interval also re-reads the target on a timer to show (or, with --apply, heal) drift. "
        "Ctrl-C stops, but never in the middle of an apply.",
        epilog="Example: mlgitops watch --env dev --apply --interval 60",
    )
    options.add_paths(parser)
    options.add_environment(parser)
    options.add_target(parser)
    parser.add_argument("--apply", action="store_true", help="reconcile after each change (default: plan)")
    parser.add_argument(
        "--interval", type=_seconds, metavar="SECONDS", help="also re-read the target every SECONDS"
    )
    parser.add_argument(
        "--debounce",
        type=_milliseconds,
        default=DEFAULT_DEBOUNCE_MS,
        metavar="MS",
        help=f"plan a stream of saves that never pauses every MS milliseconds (default "
        f"{DEFAULT_DEBOUNCE_MS}); a burst of saves is planned once {QUIET_MS} ms pass without another",
    )
    parser.add_argument(
        "--prune",
        action="store_true",
        help="also delete owned resources that left the manifests (default: the environment's prune)",
    )
    parser.add_argument("--no-color", action="store_true", help="never colour the plan")
    options.add_lock_timeout(parser)
    parser.set_defaults(handler=run)


def _seconds(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be a positive number of seconds, not {text}")
    return value


def _milliseconds(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be zero or more milliseconds, not {text}")
    return value


def _say(text: str) -> None:
    # One write per report: the watcher thread's log lines (stderr, often the same terminal or
    # pipe) cannot land in the middle of a line.
    sys.stdout.write(f"{text}\n")
    sys.stdout.flush()


def _say_from_signal_handler(text: str) -> None:
    # A signal handler must not re-enter sys.stdout's buffer: write straight to the descriptor.
    os.write(sys.stderr.fileno(), f"{text}\n".encode())


@dataclass(frozen=True)
class _Steps:
    """The plan and apply steps of a watch session; the project file is read again on every pass.

    The target is opened once and kept open across passes (``KeptTargets``), and one manifest cache
    lives as long as the session: a pass parses and validates only the files that changed since the last.
    """

    args: argparse.Namespace
    targets: KeptTargets
    cache: ManifestCache = field(default_factory=lambda: cachefiles.open_cache(os.environ))

    def _common(self) -> dict[str, Any]:
        settings = plan_command.read_settings(self.args)
        return {
            "paths": settings.paths,
            "variables": settings.variables,
            "target": settings.target,
            "prune": settings.prune,
            "allow_plaintext_credentials": self.args.allow_plaintext_credentials,
            "cache": self.cache,
        }

    def plan(self) -> PlanView:
        common = self._common()
        with self.targets.backend(common["target"], missing=wiring.Missing.EMPTY) as backend:
            outcome = plan_once(backend=backend, **common)
        colour = plan_command.use_colour(self.args, sys.stdout)
        return PlanView(render_text(outcome.plan, colour=colour).rstrip("\n"), not outcome.plan.is_empty)

    def apply(self) -> str:
        common = self._common()
        try:
            with self.targets.backend(common["target"]) as backend:
                outcome = reconcile_once(backend=backend, lock_timeout=self.args.lock_timeout, **common)
        except LockError as exc:
            flags = wiring.target_flags(self.args, common["target"])
            raise LockError(wiring.with_unlock_target(str(exc), flags)) from exc
        return render_report_text(outcome.report).rstrip("\n")


def _watched(args: argparse.Namespace, manifests: list[Path]) -> list[Path]:
    """The manifest paths plus the project file, whose vars and targets count too."""
    project = args.config or Path(PROJECT_FILE)
    return [*manifests, project] if project.is_file() else manifests


def run(args: argparse.Namespace) -> int:
    """Watch until Ctrl-C (exit 130 after one line; an apply in progress finishes first)."""
    config = read_project_config(args.config)
    project_variables(config, args.env)  # an unknown --env fails now, not on every pass
    manifests = list(args.paths) or default_manifest_paths(config, args.config)
    sources = watch_sources(_watched(args, manifests), debounce_ms=args.debounce, interval=args.interval)
    if not sources:
        raise ConfigError("nothing to watch")
    targets = KeptTargets()
    steps = _Steps(args, targets)
    guard = InterruptGuard(_say_from_signal_handler)
    on_change = make_pass(steps.plan, steps.apply if args.apply else None, guard=guard)
    mode = "plan and apply" if args.apply else "plan"
    every = f", re-reading the target every {args.interval:g} s" if args.interval else ""
    _say(f"watching {', '.join(map(str, manifests))} ({mode}{every}; Ctrl-C to stop)")
    with targets, HeldWarnings().installed() as held, guard.installed(), ChangeFeed(*sources) as feed:
        run_watch(feed, on_change, emit=_say, checkpoint=guard.checkpoint, held=held)
    return EXIT_OK
