"""Semantic checks across the validated documents: names, references, settings, access control."""

import difflib
import json
from collections.abc import Iterator, Mapping, Sequence, Set
from dataclasses import dataclass, replace
from typing import Any

from mlgitops.manifests.connector_checks import ConnectorContext
from mlgitops.manifests.connector_memo import ConnectorMemo
from mlgitops.manifests.dependent_checks import check_dependents
from mlgitops.manifests.documents import SourcedDocument
from mlgitops.manifests.issues import Issue
from mlgitops.manifests.positions import JsonPath
from mlgitops.manifests.preset_checks import check_preset
from mlgitops.manifests.settings_checks import (
    CONNECTOR_ACCESS_KEY,
    MODEL_ACCESS_KEY,
    DesiredSettings,
    desired_settings,
)
from mlgitops.model import mlcommons
from mlgitops.model.resources import (
    AccessFields,
    ConnectorDocument,
    ConnectorSpec,
    Kind,
    ModelDocument,
    ModelGroupDocument,
    ResourceKey,
)


def check_documents(
    documents: Sequence[SourcedDocument],
    *,
    allow_plaintext_credentials: bool,
    declared: Set[ResourceKey] = frozenset(),
) -> list[Issue]:
    """Every semantic problem of a validated document set.

    ``declared`` holds identities of documents that failed validation: references to them are not
    reported again as missing, and a broken ClusterSettings turns off the checks that depend on it.
    """
    issues = list(_duplicates(documents))
    settings, setting_issues = desired_settings(documents)
    issues.extend(setting_issues)
    valid = {doc.key for doc in documents}
    if any(key.kind == Kind.CLUSTER_SETTINGS for key in set(declared) - valid):
        settings = replace(settings, known=False)
    names = valid | set(declared)
    inputs = required_inputs(documents)
    connectors = {
        doc.document.metadata.name: doc.document.spec
        for doc in documents
        if isinstance(doc.document, ConnectorDocument)
    }
    checks = _Checks(names, settings, allow_plaintext_credentials, inputs, ConnectorMemo())
    for doc in documents:
        issues.extend(_check_one(doc, checks))
        if isinstance(doc.document, ModelDocument):
            issues.extend(check_preset(doc, doc.document, connectors, checks.memo))
    issues.extend(check_dependents(documents, names))
    return issues


@dataclass(frozen=True)
class _Checks:
    """What the per-document checks need from the whole set."""

    names: Set[ResourceKey]
    settings: DesiredSettings
    allow_plaintext: bool
    inputs: Mapping[str, frozenset[str]]
    memo: ConnectorMemo

    def connector(
        self, doc: SourcedDocument, spec: ConnectorSpec, at: JsonPath, required: frozenset[str]
    ) -> Iterator[Issue]:
        """The problems of one connector body (standalone or inline) of ``doc``."""
        settings = self.settings
        ctx = ConnectorContext(
            spec,
            at,
            settings.trusted if settings.known else None,
            self.allow_plaintext,
            settings.private_ip_enabled or not settings.known,
            required,
        )
        for path, message, severity in self.memo.findings(ctx):
            yield doc.issue(path, message, severity)


def _check_one(doc: SourcedDocument, checks: _Checks) -> Iterator[Issue]:
    document = doc.document
    settings = checks.settings
    if isinstance(document, ConnectorDocument):
        required = checks.inputs.get(document.metadata.name, frozenset())
        yield from checks.connector(doc, document.spec, ("spec",), required)
        if settings.known:
            yield from _access(doc, document.spec, settings.connector_access_control, "connector")
    elif isinstance(document, ModelGroupDocument) and settings.known:
        yield from _access(doc, document.spec, settings.model_access_control, "model group")
    elif isinstance(document, ModelDocument):
        yield from _model(doc, document, checks)


def _duplicates(documents: Sequence[SourcedDocument]) -> Iterator[Issue]:
    seen: dict[ResourceKey, SourcedDocument] = {}
    group_names: dict[str, SourcedDocument] = {}
    for doc in documents:
        first = seen.setdefault(doc.key, doc)
        if first is not doc:
            line, column = first.locate_path(("metadata", "name"))
            message = f"duplicate {doc.key} (first defined at {first.path}:{line}:{column})"
            yield doc.issue(("metadata", "name"), message)
            continue
        if isinstance(doc.document, ModelGroupDocument):
            ml_name = doc.document.spec.name or doc.document.metadata.name
            other = group_names.setdefault(ml_name, doc)
            if other is not doc:
                message = (
                    f"model group name '{ml_name}' is also used by {other.key}; "
                    "ML Commons requires unique model group names"
                )
                yield doc.issue(("spec", "name") if doc.document.spec.name else ("metadata", "name"), message)


def _access(doc: SourcedDocument, spec: AccessFields, enabled: bool, what: str) -> Iterator[Issue]:
    """Section 1.1 / 2.1: access fields only when access control is on, and then consistent."""
    roles = spec.backend_roles or []
    if not enabled:
        setting = CONNECTOR_ACCESS_KEY if what == "connector" else MODEL_ACCESS_KEY
        disabled = (
            mlcommons.CONNECTOR_ACCESS_DISABLED_MESSAGE
            if what == "connector"
            else mlcommons.MODEL_ACCESS_DISABLED_MESSAGE
        )
        for name, is_set in (
            ("access_mode", spec.access_mode is not None),
            ("add_all_backend_roles", spec.add_all_backend_roles is not None),
            ("backend_roles", bool(roles)),
        ):
            if is_set:
                message = (
                    f"{name} needs {setting}: true in a ClusterSettings manifest; ML Commons: {disabled}"
                )
                yield doc.issue(("spec", name), message)
        return
    yield from _access_enabled(doc, spec, roles, what)


def _access_enabled(doc: SourcedDocument, spec: AccessFields, roles: list[str], what: str) -> Iterator[Issue]:
    mode = spec.access_mode or ("restricted" if roles else "private")
    if roles and spec.add_all_backend_roles:
        yield doc.issue(
            ("spec", "add_all_backend_roles"),
            f"a {what} cannot have backend_roles and add_all_backend_roles: true at the same time",
        )
    if roles and mode != "restricted":
        message = f"You can specify backend roles only for a {what} with the restricted access mode."
        yield doc.issue(("spec", "backend_roles"), message)
    if mode == "restricted" and not roles and not spec.add_all_backend_roles:
        message = (
            f"a restricted {what} needs backend_roles (or add_all_backend_roles: true); "
            "otherwise make it public or private"
        )
        yield doc.issue(("spec", "access_mode"), message)


def _model(doc: SourcedDocument, document: ModelDocument, checks: _Checks) -> Iterator[Issue]:
    spec = document.spec
    names = checks.names
    for field_name, kind, name in (
        ("model_group", Kind.MODEL_GROUP, spec.model_group),
        ("connector", Kind.CONNECTOR, spec.connector),
    ):
        if name is not None and (kind, name) not in names:
            yield doc.issue(("spec", field_name), _missing_reference(kind, name, names))
    if spec.model_group is None:
        yield doc.issue(("spec", "model_group"), _no_model_group(document), "warning")
    if spec.connector is not None and spec.inline_connector is not None:
        message = "a Model takes either connector (a reference) or inline_connector, not both"
        yield doc.issue(("spec", "inline_connector"), message)
    elif spec.connector is None and spec.inline_connector is None:
        yield doc.issue(("spec",), "a remote Model needs connector (a Connector's name) or inline_connector")
    if spec.inline_connector is not None:
        at = ("spec", "inline_connector")
        if not any(action.action_type.lower() == "predict" for action in spec.inline_connector.actions):
            message = (
                "an inline connector needs a predict action; ML Commons: Connector endpoint is required "
                "when creating a remote model without connector id!"
            )
            yield doc.issue((*at, "actions"), message)
        yield from checks.connector(doc, spec.inline_connector, at, interface_parameters(document))


def required_inputs(documents: Sequence[SourcedDocument]) -> dict[str, frozenset[str]]:
    """Per Connector name: the predict parameters every Model using it requires in ``interface.input``."""
    found: dict[str, frozenset[str]] = {}
    for doc in documents:
        document = doc.document
        if isinstance(document, ModelDocument) and document.spec.connector is not None:
            required = interface_parameters(document)
            name = document.spec.connector
            found[name] = found[name] & required if name in found else required
    return found


def interface_parameters(document: ModelDocument) -> frozenset[str]:
    """``parameters`` keys the Model's ``interface.input`` JSON schema requires (a dict or a JSON string)."""
    schema: Any = document.spec.interface.input if document.spec.interface is not None else None
    if isinstance(schema, str):
        try:
            schema = json.loads(schema)
        except ValueError:
            return frozenset()
    if not isinstance(schema, dict) or "parameters" not in _required(schema):
        return frozenset()
    properties = schema.get("properties")
    parameters = properties.get("parameters") if isinstance(properties, dict) else None
    return frozenset(_required(parameters)) if isinstance(parameters, dict) else frozenset()


def _required(schema: dict[str, Any]) -> list[str]:
    required = schema.get("required")
    return [item for item in required if isinstance(item, str)] if isinstance(required, list) else []


def _no_model_group(document: ModelDocument) -> str:
    name = document.spec.name or document.metadata.name
    return (
        f"no model_group: ML Commons creates a model group named '{name}' for this model, which "
        "mlgitops does not own and never deletes; set model_group to a ModelGroup manifest so "
        "mlgitops manages the group"
    )


def _missing_reference(kind: Kind, name: str, names: Set[ResourceKey]) -> str:
    known = sorted(key.name for key in names if key.kind == kind)
    close = difflib.get_close_matches(name, known, n=1)
    hint = f"; did you mean '{close[0]}'?" if close else ""
    return f"no {kind.value} named '{name}' in the manifests{hint}"
