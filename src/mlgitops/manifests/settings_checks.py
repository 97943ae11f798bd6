"""The cluster settings the manifests ask for: one document per scope, valid regexes, no conflicts."""

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from mlgitops.manifests.connector_checks import TrustedEndpoints
from mlgitops.manifests.documents import SourcedDocument
from mlgitops.manifests.issues import Issue
from mlgitops.model import javaregex
from mlgitops.model.mlsettings import ML_PREFIX, SCOPES
from mlgitops.model.resources import ClusterSettingsDocument, Kind

TRUSTED_KEY = ML_PREFIX + "trusted_connector_endpoints_regex"
CONNECTOR_ACCESS_KEY = ML_PREFIX + "connector_access_control_enabled"
MODEL_ACCESS_KEY = ML_PREFIX + "model_access_control_enabled"
REMOTE_INFERENCE_KEY = ML_PREFIX + "remote_inference.enabled"
PRIVATE_IP_KEY = ML_PREFIX + "connector.private_ip_enabled"


@dataclass(frozen=True)
class DesiredSettings:
    """The cluster settings the manifests ask for that other checks depend on."""

    trusted: TrustedEndpoints = field(default_factory=TrustedEndpoints)
    connector_access_control: bool = False
    model_access_control: bool = False
    private_ip_enabled: bool = False
    known: bool = True


def _spec_path(doc: SourcedDocument, key: str) -> tuple[str, ...]:
    assert isinstance(doc.document, ClusterSettingsDocument)
    return ("spec", *doc.document.spec.source(key))


def _scope_path(doc: SourcedDocument, scope: str) -> tuple[str, ...]:
    """``spec.persistent`` for the map form, ``spec.scope`` for the flat form."""
    assert isinstance(doc.document, ClusterSettingsDocument)
    sources = doc.document.spec.sources.get(scope, {}).values()
    return ("spec", scope) if any(source[:1] == (scope,) for source in sources) else ("spec", "scope")


def desired_settings(documents: Sequence[SourcedDocument]) -> tuple[DesiredSettings, list[Issue]]:
    """Merge the ClusterSettings documents (transient wins over persistent) and check them."""
    issues: list[Issue] = []
    by_scope: dict[str, SourcedDocument] = {}
    for doc in documents:
        if not isinstance(doc.document, ClusterSettingsDocument):
            continue
        written = doc.document.spec.scopes()
        for scope in written:
            first = by_scope.setdefault(scope, doc)
            if first is not doc:
                message = (
                    f"a second {scope} ClusterSettings (first is {first.key} at {first.path}:{first.line})"
                )
                issues.append(doc.issue(_scope_path(doc, scope), message))
        issues.extend(_regex_issues(doc))
        issues.extend(_remote_inference_off(doc, documents))
    issues.extend(_both_scopes(by_scope))
    values: dict[str, Any] = {}
    trusted_doc: SourcedDocument | None = None
    for scope in SCOPES:
        if scope in by_scope:
            doc = by_scope[scope]
            assert isinstance(doc.document, ClusterSettingsDocument)
            scoped = doc.document.spec.scopes().get(scope, {})
            values.update(scoped)
            trusted_doc = doc if TRUSTED_KEY in scoped else trusted_doc
    return _summary(values, trusted_doc), issues


def _summary(values: dict[str, Any], trusted_doc: SourcedDocument | None) -> DesiredSettings:
    trusted = TrustedEndpoints()
    if trusted_doc is not None:
        path = _spec_path(trusted_doc, TRUSTED_KEY)
        line, _ = trusted_doc.locate_path(path)
        source = f"{trusted_doc.key} ({trusted_doc.path}:{line}, spec.{TRUSTED_KEY})"
        trusted = TrustedEndpoints(tuple(values[TRUSTED_KEY]), source)
    return DesiredSettings(
        trusted=trusted,
        connector_access_control=_flag(values.get(CONNECTOR_ACCESS_KEY)),
        model_access_control=_flag(values.get(MODEL_ACCESS_KEY)),
        private_ip_enabled=_flag(values.get(PRIVATE_IP_KEY)),
    )


def _flag(value: Any) -> bool:
    return value is True


def _both_scopes(by_scope: dict[str, SourcedDocument]) -> Iterator[Issue]:
    """A key set in both scopes never converges: the transient value hides the persistent one."""
    if len(by_scope) < len(SCOPES):
        return
    persistent, transient = (by_scope[scope] for scope in SCOPES)
    assert isinstance(persistent.document, ClusterSettingsDocument)
    assert isinstance(transient.document, ClusterSettingsDocument)
    kept = persistent.document.spec.scopes().get("persistent", {})
    for key in sorted(set(kept) & set(transient.document.spec.scopes().get("transient", {}))):
        message = (
            f"{key} is set both persistent and transient: the transient value is the one in force, "
            "so plans keep showing the persistent one as a change; set it in one scope"
        )
        yield transient.issue(_spec_path(transient, key), message, "warning")


def _remote_inference_off(doc: SourcedDocument, documents: Sequence[SourcedDocument]) -> Iterator[Issue]:
    """Section 2.1 step 1: with remote inference disabled, every connector and remote model is refused."""
    assert isinstance(doc.document, ClusterSettingsDocument)
    if doc.document.spec.get(REMOTE_INFERENCE_KEY) is not False:
        return
    remote = [d for d in documents if d.kind in (Kind.CONNECTOR, Kind.MODEL)]
    if remote:
        message = (
            f"{REMOTE_INFERENCE_KEY} is false but the manifests define {len(remote)} connector(s)/model(s): "
            "ML Commons refuses them (Remote Inference is currently disabled)"
        )
        yield doc.issue(_spec_path(doc, REMOTE_INFERENCE_KEY), message)


def _regex_issues(doc: SourcedDocument) -> Iterator[Issue]:
    assert isinstance(doc.document, ClusterSettingsDocument)
    path = _spec_path(doc, TRUSTED_KEY)
    for index, pattern in enumerate(doc.document.spec.get(TRUSTED_KEY) or []):
        try:
            javaregex.compile_java(pattern)
        except javaregex.JavaRegexError as exc:
            yield doc.issue((*path, index), f"invalid regex '{pattern}': {exc}")
