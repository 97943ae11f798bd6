"""The service's inputs: manifests loaded and checked, credentials resolved, desired state built."""

import logging
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from mlgitops.errors import ManifestError
from mlgitops.manifests import (
    ManifestCache,
    ManifestSet,
    SourcedDocument,
    load_manifests,
    resolve_credentials,
)
from mlgitops.manifests.credentials import credential_fields
from mlgitops.model.resources import ResourceKey
from mlgitops.plan.desired import build_desired
from mlgitops.plan.state import ActualState, DesiredResource

logger = logging.getLogger(__name__)

DIGEST_KEY_ENV = "MLGITOPS_DIGEST_KEY"
# Used when neither the environment nor the target provides a key (a plan of a target that was never
# reconciled, or a backend without ``digest_key``): there is no recorded digest to compare with then.
FALLBACK_DIGEST_KEY = b"mlgitops/credential-digest/v1"

Secrets = dict[ResourceKey, dict[str, SecretStr]]


@dataclass(frozen=True)
class Inputs:
    """Everything read from the manifests for one pass."""

    manifests: ManifestSet
    desired: tuple[DesiredResource, ...]
    secrets: Secrets
    unresolved: frozenset[ResourceKey] = frozenset()
    digest_key: bytes = field(default=FALLBACK_DIGEST_KEY, repr=False)


def read_manifests(
    paths: Sequence[Path],
    *,
    variables: Mapping[str, Any] | None,
    allow_plaintext_credentials: bool,
    cache: ManifestCache | None = None,
) -> ManifestSet:
    """Load and validate; ManifestError (carrying every issue) when any error is found."""
    manifests = load_manifests(
        paths, variables=variables, allow_plaintext_credentials=allow_plaintext_credentials, cache=cache
    )
    for warning in manifests.warnings:
        logger.warning("%s", warning.format(), extra={"located": True})
    if not manifests.ok:
        errors = manifests.errors
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise ManifestError(errors[0].format() + more, errors)
    return manifests


def resolve_all(
    documents: Sequence[SourcedDocument],
    *,
    strict: bool,
    allow_plaintext: bool,
    environ: Mapping[str, str] | None,
) -> tuple[Secrets, frozenset[ResourceKey], list[str]]:
    """Credentials of every document that has some; when not ``strict`` unresolvable ones become warnings."""
    secrets: Secrets = {}
    unresolved: set[ResourceKey] = set()
    problems: list[ManifestError] = []
    # One copy of the environment: each os.environ lookup encodes and decodes the name and value.
    environ = dict(os.environ) if environ is None else environ
    for doc in documents:
        if not credential_fields(doc)[1]:
            continue
        try:
            secrets[doc.key] = resolve_credentials(doc, environ=environ, allow_plaintext=allow_plaintext)
        except ManifestError as exc:
            problems.append(exc)
            unresolved.add(doc.key)
    if problems and strict:
        issues = tuple(issue for problem in problems for issue in problem.issues)
        raise ManifestError(str(problems[0]) + _more(len(issues)), issues)
    warnings = [f"credential changes not shown: {problem}" for problem in problems]
    return secrets, frozenset(unresolved), warnings


def _more(count: int) -> str:
    return f" ({count} credential problem(s) in all)" if count > 1 else ""


def read_digest_key(
    backend: object, environ: Mapping[str, str] | None = None, *, create: bool = False
) -> bytes:
    """The HMAC key for credential digests: the first of these that exists.

    1. ``MLGITOPS_DIGEST_KEY`` from ``environ``: an explicit operator choice (a CI secret kept outside
       the target) wins over the default, so the digests in records and saved plans cannot be checked
       against guesses by someone who can only read the target. Every machine reconciling a target
       must then set the same value; one without it (or with another) sees every credential as
       changed, which re-sends them but never hides a change.
    2. The target's random key (``backend.digest_key(create=...)``, kept in ``.mlgitops``), shared by
       every machine that reconciles it. Only reconcile (``create=True``) makes it: a plan never writes.
    3. ``FALLBACK_DIGEST_KEY``: a target without a key has no recorded digest either, so a plan of it
       (or of a backend without ``digest_key``) loses nothing by using this constant.
    """
    env = os.environ if environ is None else environ
    value = env.get(DIGEST_KEY_ENV, "")
    if value:
        return value.encode("utf-8")
    provider = getattr(backend, "digest_key", None)
    if callable(provider):
        key = provider(create=create)
        if isinstance(key, bytes) and key:
            return key
    return FALLBACK_DIGEST_KEY


def build_inputs(
    manifests: ManifestSet, secrets: Secrets, unresolved: frozenset[ResourceKey], digest_key: bytes
) -> Inputs:
    """Desired resources with credential digests."""
    sources = {doc.key: f"{doc.path}:{doc.line}" for doc in manifests.documents}
    desired = build_desired(
        [doc.document for doc in manifests.documents],
        credentials=secrets,
        digest_key=digest_key,
        sources=sources,
    )
    return Inputs(manifests, desired, secrets, unresolved, digest_key)


def assume_recorded_digests(inputs: Inputs, actual: ActualState) -> tuple[DesiredResource, ...]:
    """Unresolved credentials (a plan without secrets) are taken as unchanged: the recorded digests."""
    out: list[DesiredResource] = []
    for resource in inputs.desired:
        owned = actual.resources.get(resource.key)
        if resource.key in inputs.unresolved and owned is not None and owned.record is not None:
            resource = replace(resource, secret_digests=dict(owned.record.secret_digests))
        out.append(resource)
    return tuple(out)
