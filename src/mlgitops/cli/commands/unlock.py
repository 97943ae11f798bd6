"""``mlgitops unlock LOCK_ID``: break a stale target lock left by a run that died."""

import argparse
import sys
from typing import Any

from mlgitops.cli import options, wiring
from mlgitops.cli.errors import EXIT_OK
from mlgitops.errors import LockError


def register(subparsers: Any) -> None:
    """Add the ``unlock`` subcommand."""
    parser = subparsers.add_parser(
        "unlock",
        help="break a stale reconcile lock by its id",
        description="Remove the target's lock when the run holding it is gone. The exact lock id is "
        "required (it is printed in the 'locked' error).",
        epilog="Example: mlgitops unlock 3f2a9c --env prod",
    )
    parser.add_argument("lock_id", metavar="LOCK_ID", help="the id of the lock to break")
    options.add_target(parser)
    options.add_project_target(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Break the lock and say whose it was."""
    target = wiring.resolve_target(args.target, config=args.config, env=args.env)
    with wiring.open_backend(target, missing=wiring.Missing.ERROR) as backend:
        try:
            info = backend.break_lock(args.lock_id)
        except LockError as exc:
            raise LockError(
                f"{exc} ({wiring.describe_target(target)}, checked with: {wiring.target_flags(args, target)})"
            ) from exc
    print(
        f"removed lock {info.lock_id} (held by {info.holder} since {info.created}, run {info.run_id})",
        file=sys.stderr,
    )
    return EXIT_OK
