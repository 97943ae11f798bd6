"""``mlgitops reconcile``: apply the plan under the target's lock (``--dry-run`` only plans)."""

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from mlgitops.cli import options, wiring
from mlgitops.cli.commands import plan as plan_command
from mlgitops.cli.errors import EXIT_CHANGES, EXIT_ERROR, EXIT_OK
from mlgitops.errors import ConfigError, LockError, ManifestError, MlGitOpsError
from mlgitops.manifests import Issue
from mlgitops.plan.actions import Plan
from mlgitops.plan.markdown import MAX_MARKDOWN, render_markdown
from mlgitops.plan.rendering import action_title
from mlgitops.plan.report import (
    ApplyReport,
    StepResult,
    render_failure_json,
    render_report_json,
    render_report_text,
)
from mlgitops.plan.saved import parse_saved_plan
from mlgitops.service import DEFAULT_PARALLELISM, ApplyOutcome, reconcile_once


def register(subparsers: Any) -> None:
    """Add the ``reconcile`` subcommand."""
    parser = subparsers.add_parser(
        "reconcile",
        help="apply the manifests to the target (--dry-run: plan only)",
        description="Plan, then apply under the target's lock with bounded parallelism, then check that "
        "a new plan is empty. Exit 1 when a step fails or the target did not converge.",
        epilog="Examples: mlgitops reconcile --env prod; mlgitops reconcile --dry-run --env staging; "
        "mlgitops reconcile --plan plan.json --env prod",
    )
    plan_command.add_plan_options(parser)
    parser.add_argument("--dry-run", action="store_true", help="only plan (same as `mlgitops plan`)")
    parser.add_argument("--out", type=Path, metavar="FILE", help="with --dry-run: save the plan")
    parser.add_argument(
        "--plan",
        type=Path,
        metavar="FILE",
        help="apply exactly this saved plan (credentials still come from the manifests)",
    )
    parser.add_argument(
        "--parallelism",
        type=_positive,
        default=DEFAULT_PARALLELISM,
        metavar="N",
        help=f"steps applied at once (default {DEFAULT_PARALLELISM}; bookkeeping writes of parallel steps "
        "share requests)",
    )
    options.add_lock_timeout(parser)
    parser.set_defaults(handler=run)


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def read_plan_file(path: Path) -> Plan:
    """A saved plan from ``plan --out``."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read the plan {path}: {exc.strerror}") from exc
    except ValueError as exc:
        raise ConfigError(f"{path} is not a saved plan (invalid JSON: {exc})") from exc
    return parse_saved_plan(data)


def _progress(step: StepResult) -> None:
    tail = f": {step.error}" if step.error else ""
    print(f"[{step.status.value}] {action_title(step.action)}{tail}", file=sys.stderr, flush=True)


def render_outcome(report: ApplyReport, output: str) -> str:
    """The apply result in the chosen format."""
    if output == "json":
        return render_report_json(report)
    if output == "markdown":
        return render_outcome_markdown(report)
    return render_report_text(report)


def render_outcome_markdown(report: ApplyReport, limit: int = MAX_MARKDOWN) -> str:
    """The plan's comment (half the size limit at most), then totals and step results, all under ``limit``."""
    plan_part = render_markdown(report.plan, title="mlgitops reconcile", limit=limit // 2)
    lines = render_report_text(report).splitlines()
    steps, totals = lines[: len(report.steps)], lines[len(report.steps) :]
    budget = limit - len(plan_part) - sum(len(line) + 1 for line in totals) - 200
    kept: list[str] = []
    for position, line in enumerate(steps):
        if sum(len(item) + 1 for item in kept) + len(line) + 1 > budget:
            kept.append(f"… {len(steps) - position} more step(s) not shown (see --output json)")
            break
        kept.append(line.replace("```", "`\u200b``"))
    return "\n".join([plan_part, *totals, "", "```text", *kept, "```", ""])


def run(args: argparse.Namespace) -> int:
    """Reconcile (or plan, with --dry-run) and print the result."""
    if args.dry_run:
        if args.plan is not None:
            raise ConfigError("--plan applies a saved plan; it cannot be combined with --dry-run")
        return plan_command.run(args)
    if args.out is not None:
        raise ConfigError("--out saves a plan: use it with `mlgitops plan` or `reconcile --dry-run`")
    settings = plan_command.read_settings(args)
    try:
        return _apply(args, settings)
    except MlGitOpsError as exc:
        if args.output == "json":
            # CI keeps the JSON result as an artifact: a run that failed early still leaves one.
            sys.stdout.write(render_failure_json(settings.target, _error_text(exc)))
        if isinstance(exc, ManifestError):
            return plan_command.report_issues(exc)
        raise


def _error_text(exc: MlGitOpsError) -> str:
    issues = [issue.format() for issue in getattr(exc, "issues", ()) if isinstance(issue, Issue)]
    return "; ".join(issues) if issues else str(exc)


def _apply(args: argparse.Namespace, settings: plan_command.Settings) -> int:
    saved = read_plan_file(args.plan) if args.plan is not None else None
    try:
        with wiring.open_backend(settings.target) as backend:
            outcome = reconcile_once(
                settings.paths,
                backend=backend,
                **plan_command.pass_arguments(settings, args),
                saved_plan=saved,
                parallelism=args.parallelism,
                lock_timeout=args.lock_timeout,
                progress=_progress if sys.stderr.isatty() else None,
            )
    except LockError as exc:
        raise LockError(
            wiring.with_unlock_target(str(exc), wiring.target_flags(args, settings.target))
        ) from exc
    sys.stdout.write(render_outcome(outcome.report, args.output))
    return _exit_code(outcome, detailed=args.detailed_exitcode)


def _exit_code(outcome: ApplyOutcome, *, detailed: bool) -> int:
    report = outcome.report
    if report.not_converged:
        print("error: the target did not converge: " + "; ".join(report.not_converged), file=sys.stderr)
        return EXIT_ERROR
    if not outcome.ok:
        failed = len(report.steps) - sum(1 for step in report.steps if step.status.value == "done")
        print(f"error: {failed} step(s) failed or were skipped", file=sys.stderr)
        return EXIT_ERROR
    if detailed and not outcome.plan.is_empty:
        return EXIT_CHANGES
    return EXIT_OK
