"""Plans as text for terminals: Terraform-like symbols, reasons, changed fields, and the summary line.

Pure: the caller decides about colour (a TTY without NO_COLOR) and prints. Sensitive changes only
ever show ``(sensitive value changed)``. Values are laid out by ``expanding`` and never cut.
"""

from collections import Counter
from typing import Any

from mlgitops.plan import expanding
from mlgitops.plan.actions import Action, Change, Plan, Verb
from mlgitops.plan.diffing import (
    SENSITIVE,
    SENSITIVE_CHANGED,
    is_scalar_list,
    mask_header_literals,
)

INLINE_CHANGE = 100  # a "~ path: before -> after" longer than this puts each side on its own line
NO_CHANGES = "No changes. The target matches the manifests."

_COLOURS = {"+": "32", "~": "33", "-": "31", "-/+": "35", ">": "36", "<": "36", "=": "34"}


def format_value(value: Any, *, sensitive: bool = False) -> str:
    """One value on one line (JSON, never cut); sensitive values are masked."""
    if sensitive:
        return value if value in (SENSITIVE, SENSITIVE_CHANGED, None) else SENSITIVE
    return expanding.scalar_text(value)


def format_list_change(change: Change) -> list[str]:
    """``~ path:`` then one ``+ item`` / ``- item`` line per added or removed list item."""
    before, after = list(change.before), list(change.after)
    lines = [f"~ {change.path}:"]
    lines.extend(f"    - {format_value(item)}" for item in before if item not in after)
    lines.extend(f"    + {format_value(item)}" for item in after if item not in before)
    if len(lines) == 1:
        lines[0] += " (order changed) " + format_value(after)
    return lines


def change_lines(change: Change) -> list[str]:
    """One change: ``+``/``-`` with the value laid out when a field is added or removed, otherwise
    ``~ path: before -> after`` (each side on its own line when long or nested, a line diff for text)."""
    if change.sensitive:
        return [_sensitive_line(change)]
    if is_scalar_list(change.before) and is_scalar_list(change.after):
        return format_list_change(change)
    if change.before is None:
        return expanding.expand("+", change.path, change.after)
    if change.after is None:
        return expanding.expand("-", change.path, change.before)
    return _changed_lines(change)


def _sensitive_line(change: Change) -> str:
    before = format_value(change.before, sensitive=True)
    after = format_value(change.after, sensitive=True)
    if change.before is None:
        return f"+ {change.path}: {after}"
    return f"- {change.path}: {before}" if change.after is None else f"~ {change.path}: {before} -> {after}"


def _changed_lines(change: Change) -> list[str]:
    before, after = change.before, change.after
    if isinstance(before, dict) and isinstance(after, dict):
        return [f"~ {change.path}:", *expanding.indent(_map_changes(before, after))]
    if isinstance(before, str) and isinstance(after, str) and "\n" in before + after:
        return [f"~ {change.path}:", *expanding.indent(expanding.text_diff(before, after))]
    if not expanding.is_block(before) and not expanding.is_block(after):
        line = f"~ {change.path}: {format_value(before)} -> {format_value(after)}"
        if len(line) <= INLINE_CHANGE:
            return [line]
    sides = expanding.entries("-", before) + expanding.entries("+", after)
    return [f"~ {change.path}:", *expanding.indent(sides)]


def _map_changes(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """The entries that differ between two maps, each as its own change (nested maps recursively)."""
    lines: list[str] = []
    for key in sorted(before.keys() | after.keys(), key=str):
        old, new = before.get(key), after.get(key)
        if old != new:
            lines.extend(change_lines(Change(str(key), old, new)))
    return lines


def format_change(change: Change) -> str:
    """The lines of one change, joined (continuation lines indented for an action's block)."""
    return "\n    ".join(change_lines(change))


def count_actions(plan: Plan) -> dict[str, int]:
    """Counts for the summary line (the old half of a replacement is not counted as a destroy)."""
    replaced = {action.key for action in plan.actions if action.verb == Verb.REPLACE}
    verbs = Counter(action.verb for action in plan.actions)
    destroys = sum(1 for a in plan.actions if a.verb == Verb.DELETE and a.key not in replaced)
    return {
        "add": verbs[Verb.CREATE] + verbs[Verb.REGISTER],
        "change": verbs[Verb.UPDATE],
        "replace": verbs[Verb.REPLACE],
        "destroy": destroys,
        "deploy": verbs[Verb.DEPLOY],
        "undeploy": verbs[Verb.UNDEPLOY],
        "adopt": verbs[Verb.ADOPT],
    }


def render_summary(plan: Plan) -> str:
    """``Plan: N to add, N to change, N to replace, N to destroy, N to deploy, N to undeploy.``"""
    if plan.is_empty and plan.kept:
        count = len(plan.kept)
        gone = "1 owned resource is" if count == 1 else f"{count} owned resources are"
        return f"No changes to apply, but {gone} no longer in the manifests (kept; --prune deletes)."
    if plan.is_empty:
        return NO_CHANGES
    counts = count_actions(plan)
    parts = [
        f"{counts[name]} to {name}" for name in ("add", "change", "replace", "destroy", "deploy", "undeploy")
    ]
    if counts["adopt"]:
        parts.append(f"{counts['adopt']} to adopt")
    return "Plan: " + ", ".join(parts) + "."


def action_title(action: Action) -> str:
    """``-/+ Connector/openai (replace) [disruptive]``."""
    flag = " [disruptive]" if action.disruptive else ""
    return f"{action.symbol} {action.key} ({action.verb.value}){flag}"


def action_lines(action: Action) -> list[str]:
    """The title, the reason and each changed field of one action, without colour.

    A replacement also lists every field of the resource it creates, laid out like a create.
    """
    lines = [action_title(action), f"    # {action.reason}"]
    for change in action.changes:
        lines.extend(expanding.indent(change_lines(change)))
    if action.verb is Verb.REPLACE and action.body:
        lines.append(f"    # the new {action.key}:")
        lines.extend(expanding.indent(expanding.entries("+", mask_header_literals([], dict(action.body)))))
    return lines


def _paint(text: str, symbol: str, colour: bool) -> str:
    code = _COLOURS.get(symbol)
    return f"\x1b[{code}m{text}\x1b[0m" if colour and code else text


def render_text(plan: Plan, *, colour: bool = False) -> str:
    """The plan for a terminal: every action, the warnings, then the summary line."""
    header = f"mlgitops plan for {plan.target}" if plan.target else "mlgitops plan"
    lines = [header, ""]
    for action in plan.actions:
        first, *rest = action_lines(action)
        lines.append(_paint(first, action.symbol, colour))
        lines.extend(rest)
    if plan.actions:
        lines.append("")
    lines.extend(f"warning: {warning}" for warning in plan.warnings)
    lines.append(_paint(render_summary(plan), "~" if plan.actions else "+", colour))
    return "\n".join(lines) + "\n"
