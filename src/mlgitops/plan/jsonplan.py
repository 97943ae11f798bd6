"""Plans as versioned JSON (``format_version: "1"``) for machines; sensitive values are masked."""

import json
from typing import Any

from mlgitops.plan.actions import Action, Change, Plan
from mlgitops.plan.diffing import SENSITIVE, SENSITIVE_CHANGED
from mlgitops.plan.rendering import count_actions

FORMAT_VERSION = "1"


def _masked(value: Any, sensitive: bool) -> Any:
    if not sensitive:
        return value
    return value if value in (SENSITIVE, SENSITIVE_CHANGED, None) else SENSITIVE


def change_data(change: Change) -> dict[str, Any]:
    """One change as JSON data."""
    return {
        "path": change.path,
        "before": _masked(change.before, change.sensitive),
        "after": _masked(change.after, change.sensitive),
        "sensitive": change.sensitive,
    }


def action_data(action: Action) -> dict[str, Any]:
    """One action as JSON data: verb, symbol, key, reason, changed paths, before/after, flags."""
    return {
        "index": action.index,
        "verb": action.verb.value,
        "symbol": action.symbol,
        "kind": action.key.kind.value,
        "name": action.key.name,
        "key": str(action.key),
        "reason": action.reason,
        "resource_id": action.resource_id,
        "changed_paths": [change.path for change in action.changes],
        "changes": [change_data(change) for change in action.changes],
        "disruptive": action.disruptive,
        "depends_on": list(action.depends_on),
    }


def build_plan_data(plan: Plan) -> dict[str, Any]:
    """The plan as JSON data."""
    return {
        "format_version": FORMAT_VERSION,
        "target": plan.target,
        "fingerprint": plan.fingerprint,
        "has_changes": not plan.is_empty,
        "summary": count_actions(plan),
        "warnings": list(plan.warnings),
        "kept": [str(key) for key in plan.kept],
        "actions": [action_data(action) for action in plan.actions],
    }


def render_json(plan: Plan) -> str:
    """The plan as indented JSON text (newline-terminated)."""
    return json.dumps(build_plan_data(plan), indent=2, ensure_ascii=False, default=str) + "\n"
