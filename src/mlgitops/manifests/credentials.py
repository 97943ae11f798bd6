"""Resolve credential references (``{env: NAME}``, ``{file: path}``) to secrets when a plan is applied."""

import os
from collections.abc import Mapping
from pathlib import Path

from pydantic import SecretStr

from mlgitops.errors import ManifestError
from mlgitops.manifests.documents import SourcedDocument
from mlgitops.manifests.issues import Issue
from mlgitops.manifests.loading import FileReadError, read_text
from mlgitops.manifests.positions import JsonPath
from mlgitops.model.resources import ConnectorDocument, CredentialValue, EnvRef, FileRef, ModelDocument


def credential_fields(doc: SourcedDocument) -> tuple[JsonPath, Mapping[str, CredentialValue]]:
    """Where a document's credential mapping is and what it holds (empty for other kinds)."""
    document = doc.document
    if isinstance(document, ConnectorDocument):
        return ("spec", "credential"), document.spec.credential
    if isinstance(document, ModelDocument) and document.spec.inline_connector is not None:
        return ("spec", "inline_connector", "credential"), document.spec.inline_connector.credential
    return (), {}


def resolve_credentials(
    doc: SourcedDocument, *, environ: Mapping[str, str] | None = None, allow_plaintext: bool = False
) -> dict[str, SecretStr]:
    """Every credential of a Connector (or a Model's inline connector) as a SecretStr.

    Raises ManifestError carrying one located issue per credential that cannot be resolved; no
    message ever contains a credential value.
    """
    env = os.environ if environ is None else environ
    prefix, values = credential_fields(doc)
    resolved: dict[str, SecretStr] = {}
    issues: list[Issue] = []
    for name, ref in values.items():
        secret, problem = _resolve_one(doc, ref, env, allow_plaintext)
        if problem is not None:
            issues.append(doc.issue((*prefix, name), f"credential '{name}': {problem}"))
        elif secret is not None:
            resolved[name] = secret
    if issues:
        more = f" (and {len(issues) - 1} more)" if len(issues) > 1 else ""
        raise ManifestError(issues[0].format() + more, tuple(issues))
    return resolved


def _resolve_one(
    doc: SourcedDocument, ref: CredentialValue, env: Mapping[str, str], allow_plaintext: bool
) -> tuple[SecretStr | None, str | None]:
    if isinstance(ref, EnvRef):
        value = env.get(ref.env)
        if value is None:
            return None, f"environment variable {ref.env} is not set"
        if not value:
            return None, f"environment variable {ref.env} is empty"
        return SecretStr(value), None
    if isinstance(ref, FileRef):
        return _read_file(doc.path, ref.file)
    if not allow_plaintext:
        return None, "is a literal value: use {env: NAME} or {file: path} (or --allow-plaintext-credentials)"
    return SecretStr(ref), None


def _read_file(manifest: Path, file: str) -> tuple[SecretStr | None, str | None]:
    path = Path(file).expanduser()
    if not path.is_absolute():
        path = manifest.parent / path
    try:
        value = read_text(path).strip()
    except FileReadError as exc:
        return None, f"file {path}: {exc}"
    if not value:
        return None, f"file {path} is empty"
    return SecretStr(value), None
