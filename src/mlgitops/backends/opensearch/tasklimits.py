"""How many register and deploy tasks an apply runs at once: ML Commons' per-node limits.

ML Commons refuses a register or deploy task beyond ``max_register_model_tasks_per_node`` /
``max_deploy_model_tasks_per_node`` running ones on a node ("exceed max running task limit"; both
10 by default, and 10 at most). A deploy's task runs on every node until the model is deployed there,
so an apply keeps at most that many deploys unconfirmed; a plan that lowers a limit is obeyed from the
start, since its settings step may run before the tasks.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from mlgitops.backends.opensearch.resources import ML_SETTINGS_PREFIX, flatten
from mlgitops.model.resources import Kind
from mlgitops.plan.actions import Action

REGISTER_LIMIT = ML_SETTINGS_PREFIX + "max_register_model_tasks_per_node"
DEPLOY_LIMIT = ML_SETTINGS_PREFIX + "max_deploy_model_tasks_per_node"
HIGHEST = 10  # the most either setting allows, and its default


@dataclass(frozen=True)
class TaskLimits:
    """Register and deploy tasks to run at once (at least one each)."""

    register: int = HIGHEST
    deploy: int = HIGHEST


def task_limits(settings: Mapping[str, Any], actions: Sequence[Action]) -> TaskLimits:
    """The limits of the target's settings and of every settings step of the plan, the lowest of each."""
    sources = [settings]
    for action in actions:
        if action.key.kind is Kind.CLUSTER_SETTINGS and action.body:
            for scope in ("persistent", "transient"):
                values = action.body.get(scope)
                if isinstance(values, Mapping):
                    sources.append(flatten(values))
    return TaskLimits(
        register=min(_limit(source.get(REGISTER_LIMIT)) for source in sources),
        deploy=min(_limit(source.get(DEPLOY_LIMIT)) for source in sources),
    )


def _limit(value: Any) -> int:
    try:
        number = int(str(value))
    except ValueError:  # absent (None) or not a number: the default
        return HIGHEST
    return max(1, min(HIGHEST, number))
