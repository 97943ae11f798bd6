"""Plans as markdown for pull-request comments: summary first, details collapsed, under GitHub's limit."""

from mlgitops.plan.actions import Plan
from mlgitops.plan.rendering import action_lines, render_summary

# GitHub rejects comments over 65,535 characters; keep room for a marker and the workflow's wrapper.
MAX_MARKDOWN = 60_000


def _fence_safe(line: str) -> str:
    return line.replace("```", "`\u200b``")


def _details(plan: Plan, budget: int) -> list[str]:
    lines: list[str] = []
    used = 0
    for position, action in enumerate(plan.actions):
        block = [_fence_safe(line) for line in action_lines(action)]
        size = sum(len(line) + 1 for line in block)
        if used + size > budget:
            left = len(plan.actions) - position
            lines.append(
                f"… truncated: {left} more action(s) not shown (GitHub comment size limit); "
                "run `mlgitops plan --output json` for the full plan"
            )
            break
        lines.extend(block)
        used += size
    return lines


def _warnings(warnings: tuple[str, ...], budget: int) -> list[str]:
    lines: list[str] = []
    used = 0
    for position, warning in enumerate(warnings):
        line = f"> ⚠️ {_fence_safe(warning)}"
        if used + len(line) + 1 > budget:
            lines.append(f"> ⚠️ … and {len(warnings) - position} more warning(s) (see `--output json`)")
            break
        lines.append(line)
        used += len(line) + 1
    return lines


def render_markdown(plan: Plan, *, title: str = "mlgitops plan", limit: int = MAX_MARKDOWN) -> str:
    """A comment body: heading, summary, warnings, and the actions in a collapsible diff block."""
    target = f" for `{plan.target}`" if plan.target else ""
    head = [f"### {title}{target}", "", f"**{render_summary(plan)}**", ""]
    head.extend(_warnings(plan.warnings, limit // 4))
    if plan.warnings:
        head.append("")
    if plan.is_empty:
        return "\n".join(head)
    disruptive = sum(1 for action in plan.actions if action.disruptive)
    if disruptive:
        head.extend([f"> ⚠️ {disruptive} disruptive step(s): models are undeployed while they change.", ""])
    opening = [f"<details><summary>{len(plan.actions)} action(s)</summary>", "", "```diff"]
    closing = ["```", "", "</details>", ""]
    fixed = sum(len(line) + 1 for line in head + opening + closing)
    body = _details(plan, max(limit - fixed - 400, 0))
    return "\n".join(head + opening + body + closing)
