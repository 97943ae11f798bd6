"""Blue/green: a connector change under deployed models that pipelines or agents use.

ML Commons refuses to update a connector while a deployed model uses it, so an in-place change means
undeploy -> update -> redeploy: a gap in service for every pipeline and agent using those models.
When any of them has such users, the plan instead creates a new connector and a new model (per
deployed user) beside the old ones, deploys the new models, repoints the pipelines (updated in place)
and agents (registered anew), and only then undeploys and deletes the old models and connector.
Models nobody uses keep the in-place choreography unless their ``connector_change`` says otherwise.
"""

from typing import TYPE_CHECKING

from mlgitops.model.resources import ResourceKey
from mlgitops.plan.actions import Change, Verb
from mlgitops.plan.compare import Comparison, compare
from mlgitops.plan.drafts import (
    CONNECTORS,
    DEPLOYS,
    KNOWN_AFTER_APPLY,
    MODELS,
    PRUNE_CONNECTORS,
    PRUNE_MODELS,
    PRUNE_UNDEPLOY,
)
from mlgitops.plan.state import ActualResource, DesiredResource

if TYPE_CHECKING:
    from mlgitops.plan.rules import Planner


def plan_blue_green(
    planner: "Planner",
    resource: DesiredResource,
    actual: ActualResource,
    comparison: Comparison,
    users: list[ResourceKey],
) -> bool:
    """Plan the blue/green replacement of connector ``resource``; False when it does not apply.

    Each deployed user's ``connector_change`` decides: ``blue_green``, ``in_place``, or ``auto``
    (blue/green when pipelines or agents use it). It does not apply when no user wants it, when one
    asks for ``in_place`` (a warning names it), or when the connector or a user is protected or
    leaves the manifests: the in-place choreography is planned then.
    """
    if any(user not in planner.desired for user in users):
        return False
    moving = {user: planner.users.get(user, []) for user in users}
    wanted = {user: _strategy(planner.desired[user].connector_change, moving[user]) for user in users}
    if "blue_green" not in wanted.values():
        return False
    if "in_place" in wanted.values():
        in_place = ", ".join(str(user) for user, choice in wanted.items() if choice == "in_place")
        planner.warnings.append(
            f"{resource.key} changes in place (undeploy, update, redeploy) because {in_place} asks for "
            "connector_change: in_place; its other models' pipelines and agents see a gap"
        )
        return False
    if any(planner.is_protected(key) for key in (resource.key, *users)):
        return False
    key = resource.key
    reason = "blue/green: a new connector beside the old one, so its deployed models keep serving"
    planner.add(
        CONNECTORS, Verb.REPLACE, key, reason, changes=comparison.changes, body=resource.body,
        resource_id=actual.resource_id,
    )  # fmt: skip
    for user in users:
        _replace_model(planner, user, key, moving[user])
    for model_key in planner.models_using(actual):
        if model_key not in planner.handled:
            planner.repoint(model_key, key, actual.resource_id)
    why = "replaced (blue/green): the old connector is deleted once no model uses it"
    planner.add(PRUNE_CONNECTORS, Verb.DELETE, key, why, resource_id=actual.resource_id)
    return True


def _strategy(choice: str, users: list[ResourceKey]) -> str:
    if choice == "auto":
        return "blue_green" if users else "in_place_by_default"
    return choice


def _replace_model(
    planner: "Planner", key: ResourceKey, connector: ResourceKey, users: list[ResourceKey]
) -> None:
    desired = planner.desired[key]
    old = planner.actual.resources[key]
    planner.handled.add(key)
    planner.replaced_models[key] = old.resource_id
    moving = f", then {', '.join(str(user) for user in users)} move to it" if users else ""
    old_connector = Change("connector", f"id:{old.document.get('connector_id')}", KNOWN_AFTER_APPLY)
    changes = (*compare(desired, old, planner.actual).changes, old_connector)
    reason = f"blue/green: {connector} changes; a new model takes over{moving}"
    planner.add(
        MODELS, Verb.REPLACE, key, reason, changes=changes, body=desired.body, resource_id=old.resource_id
    )
    if desired.deployed:
        planner.add(DEPLOYS, Verb.DEPLOY, key, "the new model is deployed before anything moves to it")
    why = "replaced (blue/green): undeployed once its users moved"
    planner.add(PRUNE_UNDEPLOY, Verb.UNDEPLOY, key, why, resource_id=old.resource_id)
    planner.add(PRUNE_MODELS, Verb.DELETE, key, "replaced (blue/green): deleted", resource_id=old.resource_id)
