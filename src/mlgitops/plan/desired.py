"""Validated documents to DesiredResources: ML Commons request bodies, credential digests, dependencies.

A Model body keeps references by logical name: ``model_group`` (a ModelGroup's name) and
``connector`` (a Connector's name, or the inline connector mapping); pipelines and agents keep their
``model_id: {model: NAME}`` references. Credential values never enter a body; each one is
represented by an HMAC-SHA256 of the value under a key the caller passes in.
"""

import hmac
from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import SecretStr

from mlgitops.model.dependents import referenced_models
from mlgitops.model.resources import (
    AgentDocument,
    ClusterSettingsDocument,
    ConnectorDocument,
    ConnectorSpec,
    Document,
    Kind,
    ModelDocument,
    ModelGroupDocument,
    ResourceKey,
)
from mlgitops.plan.state import DesiredResource

Credentials = Mapping[ResourceKey, Mapping[str, SecretStr]]

_CONNECTOR_EXCLUDE = {"credential"}
_MODEL_EXCLUDE = {
    "model_group",
    "connector",
    "inline_connector",
    "deployed",
    "model_config_",
    "connector_change",
}


def build_digest(key: bytes, value: SecretStr) -> str:
    """The keyed fingerprint of one credential value (``hmac-sha256:<hex>``)."""
    mac = hmac.digest(key, value.get_secret_value().encode("utf-8"), "sha256")  # one call, in OpenSSL
    return f"hmac-sha256:{mac.hex()}"


def build_digests(key: bytes, secrets: Mapping[str, SecretStr]) -> dict[str, str]:
    """Digests of every credential of one resource, by credential key."""
    return {name: build_digest(key, value) for name, value in sorted(secrets.items())}


def build_desired(
    documents: Iterable[Document],
    *,
    credentials: Credentials | None = None,
    digest_key: bytes = b"",
    sources: Mapping[ResourceKey, str] | None = None,
) -> tuple[DesiredResource, ...]:
    """One DesiredResource per document, in document order.

    Args:
        documents: validated manifest documents.
        credentials: resolved credential values per resource key (Connectors and Models with an
            inline connector); a resource missing here gets no digests.
        digest_key: the HMAC key for credential digests.
        sources: ``file:line`` per key, shown in messages.
    """
    creds = credentials or {}
    where = sources or {}
    built: list[DesiredResource] = []
    for document in documents:
        key = document.key
        body, deployed, depends = _body_of(document)
        digests = build_digests(digest_key, creds[key]) if key in creds else {}
        built.append(
            DesiredResource(
                key=key,
                body=body,
                secret_digests=digests,
                deployed=deployed,
                protected=document.metadata.protected,
                depends_on=depends,
                source=where.get(key, ""),
                connector_change=document.spec.connector_change
                if isinstance(document, ModelDocument)
                else "auto",
            )
        )
    return tuple(built)


def _body_of(document: Document) -> tuple[dict[str, Any], bool | None, tuple[ResourceKey, ...]]:
    if isinstance(document, ClusterSettingsDocument):
        return document.spec.scopes(), None, ()
    if isinstance(document, ModelGroupDocument):
        body = document.spec.model_dump(exclude_none=True)
        body.setdefault("name", document.metadata.name)
        return body, None, ()
    if isinstance(document, ConnectorDocument):
        return build_connector_body(document.spec, default_name=document.metadata.name), None, ()
    if isinstance(document, ModelDocument):
        return _model_body(document)
    body = document.spec.model_dump(exclude_none=True, by_alias=True)
    if isinstance(document, AgentDocument):
        body.setdefault("name", document.metadata.name)
    depends = tuple(ResourceKey(Kind.MODEL, name) for name in referenced_models(body))
    return body, None, depends


def build_connector_body(spec: ConnectorSpec, *, default_name: str | None) -> dict[str, Any]:
    """A connector create body without its credential values (``name`` defaults to ``default_name``)."""
    body = spec.model_dump(exclude_none=True, exclude=_CONNECTOR_EXCLUDE)
    if default_name is not None:
        body.setdefault("name", default_name)
    return body


def _model_body(document: ModelDocument) -> tuple[dict[str, Any], bool, tuple[ResourceKey, ...]]:
    spec = document.spec
    body = spec.model_dump(exclude_none=True, exclude=_MODEL_EXCLUDE)
    body.setdefault("name", document.metadata.name)
    if spec.model_config_ is not None:
        body["model_config"] = dict(spec.model_config_)
    depends: list[ResourceKey] = []
    if spec.model_group is not None:
        body["model_group"] = spec.model_group
        depends.append(ResourceKey(Kind.MODEL_GROUP, spec.model_group))
    if spec.connector is not None:
        body["connector"] = spec.connector
        depends.append(ResourceKey(Kind.CONNECTOR, spec.connector))
    elif spec.inline_connector is not None:
        body["connector"] = build_connector_body(spec.inline_connector, default_name=None)
    return body, spec.deployed, tuple(depends)
