"""Plan steps before numbering (Draft), the phases that order them, and the body/reference helpers."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from mlgitops.model.mlcommons import DEFAULT_CLIENT_CONFIG, NEUTRAL_RATE_LIMITER
from mlgitops.model.resources import DEPENDENT_KINDS, Kind, ResourceKey
from mlgitops.plan.actions import Action, Change, Verb
from mlgitops.plan.compare import Comparison
from mlgitops.plan.normalize import MODEL_FIELDS
from mlgitops.plan.state import ActualResource, ActualState, DesiredResource

SETTINGS, GROUPS, PREPARE, CONNECTORS, MODELS, DEPLOYS = 0, 1, 2, 3, 4, 5
# Pipelines and agents change once the models they use are deployed, and go before any model goes.
USERS, PRUNE_USERS = 6, 7
PRUNE_UNDEPLOY, PRUNE_MODELS, PRUNE_CONNECTORS, PRUNE_GROUPS = 8, 9, 10, 11
PRUNE_PHASE = {
    Kind.MODEL: PRUNE_MODELS,
    Kind.CONNECTOR: PRUNE_CONNECTORS,
    Kind.MODEL_GROUP: PRUNE_GROUPS,
    **dict.fromkeys(DEPENDENT_KINDS, PRUNE_USERS),
}
CREATE_PHASE = {
    Kind.MODEL_GROUP: GROUPS,
    Kind.CONNECTOR: CONNECTORS,
    Kind.MODEL: MODELS,
    **dict.fromkeys(DEPENDENT_KINDS, USERS),
}
# Every comparable model field can be updated in place (PUT /models/{id}, by name here; ids at apply time).
MODEL_UPDATE_FIELDS = MODEL_FIELDS
KNOWN_AFTER_APPLY = "(known after apply)"


@dataclass(frozen=True)
class Draft:
    """An action before it gets its index and dependencies."""

    phase: int
    verb: Verb
    key: ResourceKey
    reason: str
    changes: tuple[Change, ...] = ()
    body: Mapping[str, Any] | None = None
    resource_id: str | None = None
    disruptive: bool = False
    secret_digests: Mapping[str, str] = field(default_factory=dict)
    protected: bool = False

    def to_action(self, index: int, depends_on: tuple[int, ...]) -> Action:
        """The numbered action."""
        return Action(
            index=index,
            verb=self.verb,
            key=self.key,
            reason=self.reason,
            changes=self.changes,
            body=self.body,
            resource_id=self.resource_id,
            depends_on=depends_on,
            disruptive=self.disruptive,
            secret_digests=self.secret_digests,
            protected=self.protected,
        )


_APPLY_ORDER = {kind: index for index, kind in enumerate(Kind)}


def sort_key(key: ResourceKey) -> tuple[int, str]:
    """Kinds in apply order, then names."""
    return _APPLY_ORDER[key.kind], key.name


def build_protection_change(resource: DesiredResource, actual: ActualResource) -> tuple[Change, ...]:
    """A ``metadata.protected`` change between the manifest and the ownership record."""
    recorded = actual.record.protected if actual.record is not None else False
    if actual.record is None or recorded == resource.protected:
        return ()
    return (Change("metadata.protected", recorded, resource.protected),)


def build_update_body(resource: DesiredResource, comparison: Comparison) -> dict[str, Any]:
    """The PUT body of an update: updatable model fields; client_config defaults when it is reset."""
    body = dict(resource.body)
    if resource.key.kind == Kind.MODEL:
        if "rate_limiter" not in body and any(c.path.startswith("rate_limiter") for c in comparison.changes):
            body["rate_limiter"] = dict(NEUTRAL_RATE_LIMITER)  # an update cannot remove a limiter
        return {key: value for key, value in body.items() if key in MODEL_UPDATE_FIELDS}
    resets_config = any(change.path.startswith("client_config") for change in comparison.changes)
    if resource.key.kind == Kind.CONNECTOR and "client_config" not in body and resets_config:
        body["client_config"] = dict(DEFAULT_CLIENT_CONFIG)
    return body


def build_references(
    desired: Sequence[DesiredResource],
    actual: ActualState,
    used_by_dependents: Mapping[ResourceKey, set[ResourceKey]],
) -> dict[ResourceKey, set[ResourceKey]]:
    """Which resources each one refers to, from the manifests and from the target's documents.

    ``used_by_dependents``: the owned models each owned pipeline or agent uses (``actual_references``).
    """
    refs: dict[ResourceKey, set[ResourceKey]] = {}
    for resource in desired:
        refs.setdefault(resource.key, set()).update(resource.depends_on)
    for key, owned in actual.resources.items():
        for field_name, kind in (("model_group_id", Kind.MODEL_GROUP), ("connector_id", Kind.CONNECTOR)):
            ref_id = owned.document.get(field_name)
            ref = actual.key_for_id(str(ref_id)) if ref_id is not None else None
            if ref is not None and ref.kind == kind:
                refs.setdefault(key, set()).add(ref)
    for key, used in used_by_dependents.items():
        refs.setdefault(key, set()).update(used)
    return refs
