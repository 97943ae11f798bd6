"""One reconcile pass for the CLI and ``watch``: load manifests, read the target, plan, apply, re-plan."""

from mlgitops.service.executor import DEFAULT_PARALLELISM, run_actions
from mlgitops.service.passes import (
    ApplyOutcome,
    PlanOutcome,
    default_holder,
    plan_once,
    reconcile_once,
    require_converged,
)

__all__ = [
    "DEFAULT_PARALLELISM",
    "ApplyOutcome",
    "PlanOutcome",
    "default_holder",
    "plan_once",
    "reconcile_once",
    "require_converged",
    "run_actions",
]
