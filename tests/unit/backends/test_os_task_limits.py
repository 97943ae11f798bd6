"""Register and deploy tasks at once: the target's per-node limits, lowered by the plan's settings step."""

from mlgitops.backends.opensearch.tasklimits import DEPLOY_LIMIT, REGISTER_LIMIT, TaskLimits, task_limits
from mlgitops.model.resources import Kind, ResourceKey
from mlgitops.plan.actions import Action, Verb

SETTINGS = ResourceKey(Kind.CLUSTER_SETTINGS, "ml")


def settings_step(body: dict[str, object]) -> Action:
    return Action(0, Verb.UPDATE, SETTINGS, "changed", body=body)


def test_the_default_is_ml_commons_default_of_ten_each() -> None:
    assert task_limits({}, []) == TaskLimits(register=10, deploy=10)


def test_the_targets_settings_are_obeyed() -> None:
    assert task_limits({REGISTER_LIMIT: "4", DEPLOY_LIMIT: 3}, []) == TaskLimits(register=4, deploy=3)


def test_a_plan_lowering_a_limit_is_obeyed_from_the_start_and_raising_it_waits_for_the_next_run() -> None:
    lower = settings_step({"persistent": {"plugins": {"ml_commons": {"max_deploy_model_tasks_per_node": 2}}}})
    assert task_limits({DEPLOY_LIMIT: "5"}, [lower]) == TaskLimits(register=10, deploy=2)
    higher = settings_step({"transient": {DEPLOY_LIMIT: 9}})
    assert task_limits({DEPLOY_LIMIT: "5"}, [higher]).deploy == 5


def test_values_out_of_range_or_unreadable_are_clamped_or_defaulted() -> None:
    assert task_limits({DEPLOY_LIMIT: "0", REGISTER_LIMIT: "lots"}, []) == TaskLimits(register=10, deploy=1)
    assert (
        task_limits({DEPLOY_LIMIT: None}, [settings_step({"persistent": {DEPLOY_LIMIT: None}})]).deploy == 10
    )
