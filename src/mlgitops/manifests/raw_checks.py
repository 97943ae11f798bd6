"""Checks on a document's raw data, run whether or not it passed the schema: placeholders and credentials."""

import difflib
import re
from collections.abc import Iterator
from typing import Any

from mlgitops.manifests import placeholders
from mlgitops.manifests.issues import Issue
from mlgitops.manifests.loading import RawDocument
from mlgitops.manifests.positions import JsonPath, format_path, key_text
from mlgitops.manifests.schema_messages import is_secret_path
from mlgitops.manifests.validation import issue_at

# ML Commons fills ${parameters.*} and ${credential.*}; mlgitops fills ${vars.*} before validation.
KNOWN_NAMESPACES = ("parameters", "credential", "vars")
_NAMESPACE = re.compile(r"(?<!\$)\$\{(?P<namespace>[A-Za-z_][A-Za-z0-9_-]*)\.(?P<name>[^}\s]*)\}?")


def blueprint_placeholder(text: str, *, mustache: bool = False) -> str | None:
    """The first blueprint placeholder in ``text`` (see ``placeholders``), or None."""
    found = placeholders.find_placeholder(text, mustache=mustache)
    return found.text if found else None


def is_literal_credential(value: Any) -> bool:
    """True for a credential written as its value rather than a ``{env: ...}`` / ``{file: ...}`` reference."""
    return isinstance(value, str)


def literal_credential_message(name: str) -> str:
    """The error for a literal credential value (never quoting it)."""
    return (
        f"credential '{name}' is a literal value: use {{env: NAME}} or {{file: path}} "
        "so no secret lives in git"
    )


def strings(value: Any, path: JsonPath = ()) -> Iterator[tuple[JsonPath, str]]:
    """Every string value in ``value`` with its path (mapping keys are not values)."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from strings(item, (*path, key_text(key)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from strings(item, (*path, index))
    elif isinstance(value, str):
        yield path, value


def check_raw_strings(raw: RawDocument) -> list[Issue]:
    """Unknown ``${namespace.`` placeholders and unfilled blueprint placeholders, anywhere in the document."""
    issues: list[Issue] = []
    for path, text in strings(raw.data):
        if "${" in text:
            issues.extend(_namespaces(raw, path, text))
        if "<" in text or "{{" in text:  # every blueprint placeholder form holds one of these
            issues.extend(_blueprint(raw, path, text))
    return issues


def _namespaces(raw: RawDocument, path: JsonPath, text: str) -> Iterator[Issue]:
    secret = is_secret_path(path)
    for match in _NAMESPACE.finditer(text):
        namespace = match["namespace"]
        if namespace in KNOWN_NAMESPACES:
            continue
        shown = "${" + namespace + "." + ("…" if secret else match["name"]) + "}"
        close = difflib.get_close_matches(namespace.lower(), KNOWN_NAMESPACES, n=1, cutoff=0.6)
        if close:
            message = (
                f"unknown placeholder namespace in {shown}; did you mean '${{{close[0]}.'? "
                "(known: ${parameters.…}, ${credential.…}, ${vars.…})"
            )
            yield issue_at(raw, path, message)
        else:
            message = (
                f"{shown} is not a known placeholder (${{parameters.…}}, ${{credential.…}}, ${{vars.…}}); "
                "ML Commons leaves it verbatim (write $${...} for a literal)"
            )
            yield issue_at(raw, path, message, "warning")


def _blueprint(raw: RawDocument, path: JsonPath, text: str) -> Iterator[Issue]:
    secret = is_secret_path(path)
    placeholder = placeholders.find_placeholder(text, mustache=secret or path[-1:] == ("url",))
    if placeholder is None:
        return
    where = format_path(path[1:] if path[:1] == ("spec",) else path)
    if secret:
        message = (
            f"credential '{path[-1]}' still holds the blueprint placeholder text: fill it in as "
            "{env: NAME} or {file: path} so no secret lives in git"
        )
    else:
        message = placeholders.describe(placeholder, where)
    yield issue_at(raw, path, message)


def raw_credential_issues(raw: RawDocument, data: Any) -> Iterator[Issue]:
    """Literal credentials of a Connector (or a Model's inline connector) that failed the schema."""
    if not isinstance(data, dict) or not isinstance(data.get("spec"), dict):
        return
    spec = data["spec"]
    at: JsonPath = ("spec",)
    if data.get("kind") == "Model" and isinstance(spec.get("inline_connector"), dict):
        spec, at = spec["inline_connector"], ("spec", "inline_connector")
    elif data.get("kind") != "Connector":
        return
    credential = spec.get("credential")
    if not isinstance(credential, dict):
        return
    for name, value in credential.items():
        placeholder = isinstance(value, str) and blueprint_placeholder(value, mustache=True)
        if is_literal_credential(value) and not placeholder:
            yield issue_at(
                raw, (*at, "credential", key_text(name)), literal_credential_message(key_text(name))
            )
