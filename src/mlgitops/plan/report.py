"""What an apply did, step by step (done, failed, skipped), and how to show it."""

import json
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from mlgitops.plan.actions import Action, Plan
from mlgitops.plan.jsonplan import FORMAT_VERSION, action_data
from mlgitops.plan.rendering import action_title, render_summary


class Status(StrEnum):
    """Outcome of one step."""

    DONE = "done"
    FAILED = "failed"
    SKIPPED = "skipped"


@dataclass(frozen=True)
class StepResult:
    """One applied (or not) action; ``error`` is the one-line message of a failure or a skip reason."""

    action: Action
    status: Status
    error: str = ""
    resource_id: str | None = None


@dataclass(frozen=True)
class ApplyReport:
    """The plan that was applied and the result of each of its steps, in plan order."""

    plan: Plan
    steps: tuple[StepResult, ...] = ()
    not_converged: tuple[str, ...] = field(default_factory=tuple)

    def of(self, status: Status) -> tuple[StepResult, ...]:
        """The steps with one status."""
        return tuple(step for step in self.steps if step.status == status)

    @property
    def ok(self) -> bool:
        """True when every step is done and the re-plan was empty."""
        return all(step.status == Status.DONE for step in self.steps) and not self.not_converged


def render_report_text(report: ApplyReport) -> str:
    """One line per step, then the totals."""
    lines = []
    for step in report.steps:
        tail = f": {step.error}" if step.error else ""
        lines.append(f"[{step.status.value}] {action_title(step.action)}{tail}")
    done, failed, skipped = (len(report.of(status)) for status in Status)
    if report.steps:
        lines.append(f"Apply: {done} done, {failed} failed, {skipped} skipped.")
    else:
        lines.append(render_summary(report.plan))
    lines.extend(f"warning: {warning}" for warning in report.plan.warnings)
    if report.not_converged:
        lines.append("did not converge: " + ", ".join(report.not_converged))
    return "\n".join(lines) + "\n"


def build_report_data(report: ApplyReport) -> dict[str, Any]:
    """The report as JSON data (``format_version`` 1)."""
    return {
        "format_version": FORMAT_VERSION,
        "target": report.plan.target,
        "ok": report.ok,
        "steps": [
            {**action_data(step.action), "status": step.status.value, "error": step.error}
            for step in report.steps
        ],
        "totals": {status.value: len(report.of(status)) for status in Status},
        "not_converged": list(report.not_converged),
        "warnings": list(report.plan.warnings),
    }


def render_report_json(report: ApplyReport) -> str:
    """The report as indented JSON text."""
    return json.dumps(build_report_data(report), indent=2, ensure_ascii=False, default=str) + "\n"


def render_failure_json(target: str, error: str) -> str:
    """A run that failed before applying anything, in the report's JSON shape (``ok`` false, no steps)."""
    data = {**build_report_data(ApplyReport(Plan((), target=target))), "ok": False, "error": error}
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
