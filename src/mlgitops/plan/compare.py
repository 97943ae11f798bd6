"""Compare one desired resource with its actual counterpart: changes, and what forces a replace."""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from mlgitops.model.resources import Kind
from mlgitops.plan.actions import Change
from mlgitops.plan.diffing import build_changes, build_secret_changes
from mlgitops.plan.normalize import (
    NameOf,
    connector_fields,
    drop_empty,
    identical_when_cleaned,
    model_fields,
    normalize_group,
    normalize_model,
    without_granted_roles,
)
from mlgitops.plan.state import ActualResource, ActualState, DesiredResource

DEPLOYED_STATES = frozenset(
    {"DEPLOYED", "PARTIALLY_DEPLOYED", "DEPLOYING", "LOADED", "PARTIALLY_LOADED", "LOADING"}
)


@dataclass(frozen=True)
class Comparison:
    """What differs between a desired resource and the target's copy."""

    changes: tuple[Change, ...] = ()
    replace_reasons: tuple[str, ...] = ()

    @property
    def replace(self) -> bool:
        """True when the server cannot update the resource in place."""
        return bool(self.replace_reasons)


def is_deployed(resource: ActualResource) -> bool:
    """True when a model is deployed (or on its way there) on the target."""
    return str(resource.document.get("model_state", "")).upper() in DEPLOYED_STATES


def model_state(resource: ActualResource) -> str:
    """The model's state as the server reports it (upper case, '' when absent)."""
    return str(resource.document.get("model_state", "")).upper()


def build_name_of(state: ActualState) -> NameOf:
    """Map ids in actual documents to logical names (``id:<id>`` for ids mlgitops does not own)."""

    def name_of(kind: Kind, resource_id: str) -> str:
        key = state.key_for_id(resource_id)
        if key is not None and key.kind == kind:
            return key.name
        return f"id:{resource_id}"

    return name_of


def compare(desired: DesiredResource, actual: ActualResource, state: ActualState) -> Comparison:
    """Changes from ``actual`` to ``desired`` (a never-recorded resource shows every credential)."""
    recorded = actual.record.secret_digests if actual.record is not None else None
    if desired.key.kind == Kind.MODEL_GROUP:
        access = "access_mode" in desired.body
        before = without_granted_roles(normalize_group(actual.document, access_wanted=access), desired.body)
        return Comparison(build_changes(before, normalize_group(desired.body, access_wanted=access)))
    if desired.key.kind == Kind.CONNECTOR:
        return _compare_connector(desired, actual, recorded)
    return _compare_model(desired, actual, state, recorded)


def _compare_connector(
    desired: DesiredResource, actual: ActualResource, recorded: Mapping[str, str] | None
) -> Comparison:
    access = "access_mode" in desired.body
    before = without_granted_roles(connector_fields(actual.document, access_wanted=access), desired.body)
    after = connector_fields(desired.body, access_wanted=access)
    changes = _changes(before, after) + build_secret_changes("credential.", recorded, desired.secret_digests)
    reasons = _connector_replace_reasons(actual.document, desired.body, recorded, desired.secret_digests)
    return Comparison(changes, reasons)


def _changes(before: dict[str, Any], after: dict[str, Any]) -> tuple[Change, ...]:
    """``build_changes`` of both sides with empty values dropped (an equal pair is found without copies)."""
    if identical_when_cleaned(before, after):
        return ()
    return build_changes(drop_empty(before), drop_empty(after))


def _connector_replace_reasons(
    actual: Mapping[str, Any],
    desired: Mapping[str, Any],
    recorded: Mapping[str, str] | None,
    digests: Mapping[str, str],
) -> tuple[str, ...]:
    reasons: list[str] = []
    gone = sorted(set(actual.get("parameters") or {}) - set(desired.get("parameters") or {}))
    if gone:
        reasons.append(f"parameter(s) {', '.join(gone)} cannot be removed in place")
    dropped = sorted(set(recorded or {}) - set(digests))
    if dropped:
        reasons.append(f"credential key(s) {', '.join(dropped)} cannot be removed in place")
    return tuple(reasons)


def _compare_model(
    desired: DesiredResource,
    actual: ActualResource,
    state: ActualState,
    recorded: Mapping[str, str] | None,
) -> Comparison:
    name_of = build_name_of(state)
    after = normalize_model(desired.body, wanted=desired.body, name_of=name_of)
    before = model_fields(actual.document, wanted=after, name_of=name_of)
    changes = _changes(before, after)
    wanted_inline = isinstance(desired.body.get("connector"), Mapping)
    has_inline = isinstance(actual.document.get("connector"), Mapping)
    reasons: list[str] = []
    if wanted_inline != has_inline:
        switch = (
            "a Connector reference to an inline connector"
            if wanted_inline
            else "an inline connector to a reference"
        )
        reasons.append(f"switching from {switch} forces replacement")
    if wanted_inline:
        changes += build_secret_changes("connector.credential.", recorded, desired.secret_digests)
        if has_inline:
            reasons.extend(
                _connector_replace_reasons(
                    actual.document["connector"], desired.body["connector"], recorded, desired.secret_digests
                )
            )
    return Comparison(changes, tuple(reasons))
