"""Kind-specific access to ML Commons resources: get by id, find by ML name, delete (undeploying first)."""

import logging
from collections.abc import Mapping
from typing import Any

from mlgitops.backends.opensearch import dependents
from mlgitops.backends.opensearch.client import Json, MLCommonsClient
from mlgitops.model.resources import DEPENDENT_KINDS, Kind

logger = logging.getLogger(__name__)

SETTINGS_ID = "_cluster"
ML_SETTINGS_PREFIX = "plugins.ml_commons."
ACTIVE_STATES = ("DEPLOYED", "DEPLOYING", "PARTIALLY_DEPLOYED", "LOADED", "LOADING", "PARTIALLY_LOADED")


def flatten(settings: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested settings as flat dotted keys (``flat_settings`` may be ignored by some servers)."""
    flat: dict[str, Any] = {}
    for name, value in settings.items():
        key = f"{prefix}{name}"
        if isinstance(value, Mapping):
            flat |= flatten(value, f"{key}.")
        else:
            flat[key] = value
    return flat


def read_ml_settings(client: MLCommonsClient) -> dict[str, Any]:
    """Effective ``plugins.ml_commons.*`` settings: defaults, overridden by persistent, then transient."""
    response = client.get_cluster_settings()
    merged: dict[str, Any] = {}
    for scope in ("defaults", "persistent", "transient"):
        merged |= flatten(response.get(scope) or {})
    return {key: value for key, value in sorted(merged.items()) if key.startswith(ML_SETTINGS_PREFIX)}


def get_resource(client: MLCommonsClient, kind: Kind, resource_id: str) -> Json | None:
    """The raw GET document of a resource, or None when it is gone."""
    if kind is Kind.MODEL_GROUP:
        return client.get_model_group(resource_id)
    if kind is Kind.CONNECTOR:
        return client.get_connector(resource_id)
    if kind is Kind.MODEL:
        return client.get_model(resource_id)
    if kind in DEPENDENT_KINDS:
        return dependents.get(client, kind, resource_id)
    return read_ml_settings(client)


def find_by_name(client: MLCommonsClient, kind: Kind, name: str) -> list[tuple[str, Json]]:
    """``(id, document)`` of every resource of ``kind`` whose ML name is exactly ``name``, oldest first."""
    if kind in DEPENDENT_KINDS:
        return dependents.find_by_name(client, kind, name)
    query = {"term": {"name.keyword": name}}
    if kind is Kind.MODEL_GROUP:
        hits = client.search_model_groups(query)
    elif kind is Kind.CONNECTOR:
        hits = client.search_connectors(query)
    elif kind is Kind.MODEL:
        hits = client.search_models(query)
    else:
        return []
    found = [(str(hit["_id"]), dict(hit.get("_source") or {})) for hit in hits if "_id" in hit]
    # The server's term query is exact on name.keyword; filter again in case a server analyses it.
    found = [(resource_id, doc) for resource_id, doc in found if doc.get("name") == name]
    return sorted(found, key=lambda item: (int(item[1].get("created_time") or 0), item[0]))


_SEARCH_PATHS = {
    Kind.MODEL_GROUP: "/_plugins/_ml/model_groups/_search",
    Kind.CONNECTOR: "/_plugins/_ml/connectors/_search",
    Kind.MODEL: "/_plugins/_ml/models/_search",
}


def read_all(client: MLCommonsClient, kind: Kind, versions: dict[str, str] | None = None) -> dict[str, Json]:
    """Every resource of ``kind`` by id (paged searches, however many there are).

    ``versions``, when given, receives each document's ``<_seq_no>:<_primary_term>`` by id (where the
    hit has both): a search server gives every write to a document a new pair, so equal pairs mean
    equal documents.
    """
    found: dict[str, Json] = {}
    for hit in client.scan(_SEARCH_PATHS[kind], {"match_all": {}}):
        source = hit.get("_source")
        document: Json = source if type(source) is dict else dict(source or {})  # kept as read, not copied
        connector = document.get("connector")
        if isinstance(connector, dict) and "credential" in connector:
            # An inline connector's encrypted credential: GET leaves it out, so must a search read.
            document = {**document, "connector": {k: v for k, v in connector.items() if k != "credential"}}
        resource_id = str(hit["_id"])
        found[resource_id] = document
        if versions is not None and (version := _version(hit)) is not None:
            versions[resource_id] = version
    return found


def _version(hit: Mapping[str, Any]) -> str | None:
    seq_no, term = hit.get("_seq_no"), hit.get("_primary_term")
    if type(seq_no) is int and type(term) is int:
        return f"{seq_no}:{term}"
    return None


def is_active(document: Mapping[str, Any] | None) -> bool:
    """True when a model document is deployed or deploying (it must be undeployed before a delete)."""
    return document is not None and str(document.get("model_state", "")).upper() in ACTIVE_STATES


def delete_resource(client: MLCommonsClient, kind: Kind, resource_id: str) -> bool:
    """Delete a resource (a model is undeployed first when needed); False when it was already gone."""
    if kind is Kind.MODEL_GROUP:
        return client.delete_model_group(resource_id)
    if kind is Kind.CONNECTOR:
        return client.delete_connector(resource_id)
    if kind is Kind.MODEL:
        document = client.get_model(resource_id)
        if document is None:
            return False
        if is_active(document):
            logger.info("undeploying model %s before deleting it", resource_id)
            client.undeploy_model(resource_id)
        return client.delete_model(resource_id)
    if kind in DEPENDENT_KINDS:
        return dependents.delete(client, kind, resource_id)
    return False
