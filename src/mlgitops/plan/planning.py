"""build_plan: desired against actual state to an ordered, dependency-annotated list of actions.

Order (phases): cluster settings -> model groups -> undeploys a connector change needs -> connectors
-> models -> deploys -> pipelines and agents -> prune (pipelines and agents, undeploy, delete models,
connectors, groups). Within a phase, kinds in
apply order and names sorted, so the same inputs always give the same plan. Each action depends on
the earlier actions touching the same resource or a resource it references (either way), and every
action depends on the cluster-settings steps: that graph is what the service runs in parallel.
"""

from collections.abc import Sequence

from mlgitops.errors import PlanError
from mlgitops.model.resources import Kind, ResourceKey
from mlgitops.plan.actions import Action, Plan
from mlgitops.plan.drafts import Draft
from mlgitops.plan.fingerprint import fingerprint_of
from mlgitops.plan.rules import Planner
from mlgitops.plan.state import ActualState, DesiredResource


def build_plan(
    desired: Sequence[DesiredResource],
    actual: ActualState,
    *,
    prune: bool = False,
    allow_empty: bool = False,
    adopt: bool = False,
    target: str = "",
) -> Plan:
    """The plan that makes ``actual`` match ``desired``.

    Args:
        desired: resources built from the manifests (``build_desired``).
        actual: what the target holds (``Backend.read_state``).
        prune: delete owned resources that left the manifests (never protected ones).
        allow_empty: allow pruning when the manifests define no resource at all.
        adopt: take over unowned resources with a desired ML name instead of failing.
        target: the target's name, recorded in the plan.

    Raises:
        PlanError: a name clash with an unowned resource (without ``adopt``), or pruning with an
            empty desired set (without ``allow_empty``).
    """
    _check_duplicates(desired)
    _check_conflicts(desired, actual, adopt=adopt)
    if prune and not desired and actual.resources and not allow_empty:
        raise PlanError(
            "the manifests define no resources: refusing to prune everything mlgitops owns on the "
            "target (check the paths, or pass --allow-empty to really delete them all)"
        )
    planner = Planner(desired, actual, prune=prune, adopt=adopt)
    drafts, warnings = planner.build()
    warnings = [*_pending_warnings(actual), *warnings]
    actions = _number(drafts, planner.references)
    return Plan(
        actions=actions,
        fingerprint=fingerprint_of(actual),
        target=target,
        warnings=tuple(warnings),
        kept=tuple(planner.kept),
    )


def _check_duplicates(desired: Sequence[DesiredResource]) -> None:
    seen: set[ResourceKey] = set()
    for resource in desired:
        if resource.key in seen:
            raise PlanError(f"{resource.key} is defined more than once")
        seen.add(resource.key)


def _pending_warnings(actual: ActualState) -> list[str]:
    return [
        f"{key}: an interrupted run left a pending {step}; the next reconcile recovers it first "
        "(a resource it created is shown as adopted here)"
        for key, step in sorted(actual.pending.items(), key=lambda item: str(item[0]))
    ]


def _check_conflicts(desired: Sequence[DesiredResource], actual: ActualState, *, adopt: bool) -> None:
    if adopt:
        return
    # A look-alike of a resource with a pending intent is most likely what the interrupted run created:
    # recovery adopts it, so it is no clash.
    clashes = [
        f"{resource.key} (existing id {actual.unowned[resource.key].resource_id})"
        for resource in desired
        if resource.key in actual.unowned
        and resource.key not in actual.resources
        and resource.key not in actual.pending
    ]
    if clashes:
        raise PlanError(
            f"{', '.join(clashes)}: a resource with this name already exists on the target and is not "
            "managed by mlgitops; rename it in the manifests, or re-run with --adopt to manage it"
        )


def _number(drafts: list[Draft], references: dict[ResourceKey, set[ResourceKey]]) -> tuple[Action, ...]:
    """Index the drafts in phase order; each depends on the earlier actions it is related to.

    Related: every cluster-settings step, the same resource, and a resource it references or that
    references it. Earlier actions are looked up by key, so numbering is linear in the plan size plus
    the dependency edges (never every action against every earlier one).
    """
    ordered = sorted(enumerate(drafts), key=lambda item: (item[1].phase, item[0]))
    referenced_by: dict[ResourceKey, set[ResourceKey]] = {}
    for key, targets in references.items():
        for target in targets:
            referenced_by.setdefault(target, set()).add(key)
    by_key: dict[ResourceKey, list[int]] = {}
    settings: list[int] = []
    actions: list[Action] = []
    for index, (_, draft) in enumerate(ordered):
        related = {draft.key} | references.get(draft.key, set()) | referenced_by.get(draft.key, set())
        depends = set(settings)
        for key in related:
            depends.update(by_key.get(key, ()))
        actions.append(draft.to_action(index, tuple(sorted(depends))))
        by_key.setdefault(draft.key, []).append(index)
        if draft.key.kind == Kind.CLUSTER_SETTINGS:
            settings.append(index)
    return tuple(actions)
