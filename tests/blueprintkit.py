"""The official blueprint connector bodies (tests/data/blueprints/mlcommons), as pasted or filled in."""

import json
import re
from pathlib import Path
from typing import Any

CORPUS = Path(__file__).parent / "data" / "blueprints" / "mlcommons"
INDEX: dict[str, Any] = json.loads((CORPUS / "index.json").read_text(encoding="utf-8"))
REAL_ANSWERS = Path(__file__).parent / "data" / "blueprints" / "mlcommons-real-2.19.1.json"

# What a user types in place of each kind of placeholder the documents leave.
_ANGLE = re.compile(r"<([^<>\"\n]{1,100})>")
_MUSTACHE = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_.-]*)\s*\}\}")


def stems() -> list[str]:
    """Every body's file stem, sorted."""
    return sorted(entry["file"].removesuffix(".json") for entry in INDEX["bodies"])


def source_of(stem: str) -> str:
    """``docs/remote_inference_blueprints/x.md:LINE`` of a body."""
    return next(e["source"] for e in INDEX["bodies"] if e["file"] == f"{stem}.json")


def _fill_angle(match: re.Match[str]) -> str:
    text = match.group(1)
    upper = text.upper()
    if "|" in text and all(part.strip() for part in text.split("|")):
        return text.split("|")[0]
    if "REGION" in upper:
        return "us-east-1"
    if "VERSION" in upper:
        return "1"
    if "URL" in upper:
        return "https://runtime.sagemaker.us-east-1.amazonaws.com/endpoints/filled-in/invocations"
    if text.strip().lower() in ("s", "/s") or not re.search(r"[A-Z_ -]", text):
        return match.group(0)  # a markup token in a prompt, not a placeholder
    return "filled-in"


def fill(text: str) -> str:
    """``text`` with every placeholder replaced by a plausible value."""
    return _MUSTACHE.sub("filled-in", _ANGLE.sub(_fill_angle, text))


def body(stem: str, *, filled: bool = False) -> dict[str, Any]:
    """One connector body, as the document prints it or with its placeholders filled in."""
    text = (CORPUS / f"{stem}.json").read_text(encoding="utf-8")
    return json.loads(fill(text) if filled else text)  # type: ignore[no-any-return]


def document(stem: str, *, filled: bool = False) -> dict[str, Any]:
    """A Connector manifest document around one body."""
    name = re.sub(r"[^A-Za-z0-9._-]", "-", stem)[:100]
    spec = body(stem, filled=filled)
    return {"apiVersion": "mlgitops/v1", "kind": "Connector", "metadata": {"name": name}, "spec": spec}
