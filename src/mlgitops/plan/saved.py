"""Saved plans: a plan as JSON data (``plan --out``) and back, and the stale check before applying it."""

from collections.abc import Mapping
from typing import Any

from mlgitops.errors import PlanError
from mlgitops.model.resources import Kind, ResourceKey
from mlgitops.plan.actions import Action, Change, Plan, Verb

SAVED_FORMAT = "mlgitops-saved-plan"
SAVED_VERSION = "1"
STALE_MESSAGE = "the target changed since this plan was made; run plan again"
OTHER_SCHEME_MESSAGE = (
    "this plan was made by another version of mlgitops, which fingerprints the target differently; "
    "run plan again with this version"
)


def _change_data(change: Change) -> dict[str, Any]:
    return {
        "path": change.path,
        "before": change.before,
        "after": change.after,
        "sensitive": change.sensitive,
    }


def _action_data(action: Action) -> dict[str, Any]:
    return {
        "index": action.index,
        "verb": action.verb.value,
        "kind": action.key.kind.value,
        "name": action.key.name,
        "reason": action.reason,
        "changes": [_change_data(change) for change in action.changes],
        "body": None if action.body is None else dict(action.body),
        "resource_id": action.resource_id,
        "depends_on": list(action.depends_on),
        "disruptive": action.disruptive,
        "secret_digests": dict(action.secret_digests),
        "protected": action.protected,
    }


def build_saved_plan(plan: Plan) -> dict[str, Any]:
    """The JSON-ready data of a saved plan (no credential value: bodies never hold one)."""
    return {
        "format": SAVED_FORMAT,
        "format_version": SAVED_VERSION,
        "target": plan.target,
        "fingerprint": plan.fingerprint,
        "warnings": list(plan.warnings),
        "actions": [_action_data(action) for action in plan.actions],
    }


def _typed(data: Mapping[str, Any], name: str, types: type | tuple[type, ...]) -> Any:
    value = data[name]
    if not isinstance(value, types):
        raise TypeError(f"{name} has the wrong type ({type(value).__name__})")
    return value


def _action_from(data: Mapping[str, Any]) -> Action:
    changes = tuple(
        Change(str(item["path"]), item["before"], item["after"], bool(item["sensitive"]))
        for item in _typed(data, "changes", list)
    )
    index = int(data["index"])
    depends_on = tuple(int(earlier) for earlier in _typed(data, "depends_on", list))
    if any(earlier >= index for earlier in depends_on):
        raise ValueError(f"step {index} depends on a later step")
    return Action(
        index=index,
        verb=Verb(data["verb"]),
        key=ResourceKey(Kind(data["kind"]), str(data["name"])),
        reason=str(data["reason"]),
        changes=changes,
        body=_typed(data, "body", (dict, type(None))),
        resource_id=_typed(data, "resource_id", (str, type(None))),
        depends_on=depends_on,
        disruptive=bool(data["disruptive"]),
        secret_digests={str(k): str(v) for k, v in _typed(data, "secret_digests", dict).items()},
        protected=bool(data["protected"]),
    )


def parse_saved_plan(data: Any) -> Plan:
    """A Plan from saved data; PlanError when it is not a saved plan of a known version."""
    if not isinstance(data, Mapping) or data.get("format") != SAVED_FORMAT:
        raise PlanError("not a saved mlgitops plan (make one with `mlgitops plan --out FILE`)")
    if data.get("format_version") != SAVED_VERSION:
        raise PlanError(
            f"saved plan format_version {data.get('format_version')!r} is not supported (expected 1)"
        )
    try:
        actions = tuple(_action_from(item) for item in data["actions"])
        return Plan(
            actions=actions,
            fingerprint=str(data["fingerprint"]),
            target=str(data["target"]),
            warnings=tuple(str(item) for item in data.get("warnings", ())),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise PlanError(f"the saved plan is damaged ({type(exc).__name__}: {exc}); run plan again") from exc


def check_saved_target(plan: Plan, target: str) -> None:
    """Refuse a saved plan made for another target (checked before touching the target)."""
    if plan.target and target and plan.target != target:
        raise PlanError(
            f"this plan was made for target {plan.target}, not {target}; "
            f"apply it with --target {plan.target}, or run plan again for {target}"
        )


def check_saved_plan(plan: Plan, *, fingerprint: str, target: str) -> None:
    """Refuse a saved plan made for another target or from a state that has changed since."""
    check_saved_target(plan, target)
    if plan.fingerprint != fingerprint:
        if _scheme(plan.fingerprint) != _scheme(fingerprint):
            raise PlanError(OTHER_SCHEME_MESSAGE)
        raise PlanError(STALE_MESSAGE)


def _scheme(fingerprint: str) -> str:
    """What comes before the digest (``sha256``, ``target-v3``...); "" for a bare digest."""
    scheme, separator, _ = fingerprint.rpartition(":")
    return scheme if separator else ""
