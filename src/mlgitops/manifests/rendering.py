"""Render issues as text lines, JSON, or GitHub Actions annotations; never prints."""

import json
from collections.abc import Sequence

from mlgitops.manifests.issues import Issue

GITHUB_ANNOTATION_LIMIT = 10
OUTPUT_FORMATS = ("text", "json", "github")


def render_text(issues: Sequence[Issue]) -> str:
    """One ``FILE:LINE:COL: severity: message`` line per issue."""
    return "".join(issue.format() + "\n" for issue in issues)


def render_summary(issues: Sequence[Issue], documents: int) -> str:
    """``3 errors, 1 warning in 12 documents`` (``documents``: every document read, valid or not)."""
    errors = sum(1 for issue in issues if issue.is_error)
    warnings = len(issues) - errors
    return (
        f"{errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)} "
        f"in {documents} document{'s' * (documents != 1)}"
    )


def render_json(issues: Sequence[Issue], documents: int, valid_documents: int | None = None) -> str:
    """A JSON object: ``valid``, counts (documents read, and those that validated) and every issue."""
    errors = [issue for issue in issues if issue.is_error]
    body = {
        "valid": not errors,
        "documents": documents,
        "valid_documents": documents if valid_documents is None else valid_documents,
        "errors": len(errors),
        "warnings": len(issues) - len(errors),
        "issues": [issue.as_dict() for issue in issues],
    }
    return json.dumps(body, indent=2) + "\n"


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _annotation(issue: Issue) -> str:
    props = [f"file={_escape_property(issue.path)}"]
    if issue.line > 0:
        props += [f"line={issue.line}", f"col={issue.column}"]
    title = f"mlgitops {issue.severity}" + (f": {issue.json_path}" if issue.json_path else "")
    props.append(f"title={_escape_property(title)}")
    return f"::{issue.severity} {','.join(props)}::{_escape_data(issue.message)}"


def render_github(issues: Sequence[Issue]) -> str:
    """Workflow-command annotations (GitHub shows at most 10 per level), then the full plain list."""
    lines: list[str] = []
    for severity in ("error", "warning"):
        chosen = [issue for issue in issues if issue.severity == severity]
        lines.extend(_annotation(issue) for issue in chosen[:GITHUB_ANNOTATION_LIMIT])
        hidden = len(chosen) - GITHUB_ANNOTATION_LIMIT
        if hidden > 0:
            # A notice, not an 11th error: GitHub would drop that one too. Notices have their own cap.
            plural = "" if hidden == 1 else "s"
            lines.append(
                f"::notice title=mlgitops::{hidden} more {severity}{plural} not annotated "
                "(GitHub shows 10 per step); see the full list in the log"
            )
    return "".join(line + "\n" for line in lines) + render_text(issues)
