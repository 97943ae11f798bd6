"""Ingest pipelines, search pipelines and agents on a target: create, get, find, delete.

Pipelines are identified by the id in their path (the manifest's logical name); agents by the id
ML Commons assigns at registration (2.19 has no agent update). ``{model: NAME}`` references in a
body are resolved to the model's current id just before the request is sent.
"""

from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote

from mlgitops.backends.opensearch.bodies import IdLookup, resolve_reference
from mlgitops.backends.opensearch.client import Json, MLCommonsClient
from mlgitops.errors import BackendNotFoundError, PlanError
from mlgitops.model.dependents import REFERENCE_KEY, is_reference, map_model_ids
from mlgitops.model.resources import Kind, ResourceKey

_PIPELINE_PATHS = {Kind.INGEST_PIPELINE: "/_ingest/pipeline/", Kind.SEARCH_PIPELINE: "/_search/pipeline/"}
AGENTS = "/_plugins/_ml/agents/"


def resolve_models(body: Mapping[str, Any], lookup: IdLookup) -> dict[str, Any]:
    """A copy of ``body`` where each ``model_id: {model: NAME}`` holds that model's id."""

    def resolved(value: Any) -> Any:
        if is_reference(value):
            return resolve_reference(Kind.MODEL, value[REFERENCE_KEY], lookup)
        return value

    return dict(map_model_ids(body, resolved))


def _segment(resource_id: str) -> str:
    return quote(resource_id, safe="")


def put(client: MLCommonsClient, key: ResourceKey, body: Mapping[str, Any], lookup: IdLookup) -> str:
    """Create (or, for a pipeline, overwrite) the resource; returns its id."""
    sent = resolve_models(body, lookup)
    if key.kind is Kind.AGENT:
        response = client.request("POST", AGENTS + "_register", body=sent)
        agent_id = response.get("agent_id")
        if not isinstance(agent_id, str) or not agent_id:
            raise PlanError(f"{key}: the target registered the agent without returning its id")
        return agent_id
    client.request("PUT", _PIPELINE_PATHS[key.kind] + _segment(key.name), body=sent)
    return key.name


def update(
    client: MLCommonsClient, key: ResourceKey, resource_id: str, body: Mapping[str, Any], lookup: IdLookup
) -> None:
    """Overwrite a pipeline in place (agents are never updated: the plan replaces them)."""
    if key.kind is Kind.AGENT:
        raise PlanError(f"{key}: agents cannot be updated in place; run plan again")
    client.request(
        "PUT", _PIPELINE_PATHS[key.kind] + _segment(resource_id), body=resolve_models(body, lookup)
    )


def get(client: MLCommonsClient, kind: Kind, resource_id: str) -> Json | None:
    """The stored body (a pipeline) or document (an agent); None when it is gone."""
    path = (AGENTS if kind is Kind.AGENT else _PIPELINE_PATHS[kind]) + _segment(resource_id)
    try:
        response = client.request("GET", path)
    except BackendNotFoundError:
        return None
    if kind is Kind.AGENT:
        return response
    found = response.get(resource_id)
    return dict(found) if isinstance(found, Mapping) else None


def find_by_name(client: MLCommonsClient, kind: Kind, name: str) -> list[tuple[str, Json]]:
    """``(id, document)`` of look-alikes: the pipeline with that id, or agents with that name."""
    if kind is not Kind.AGENT:
        found = get(client, kind, name)
        return [] if found is None else [(name, found)]
    try:
        hits = client.scan(AGENTS + "_search", {"term": {"name.keyword": name}})
    except BackendNotFoundError:  # no agent was ever registered: the index does not exist yet
        return []
    docs = [(str(hit["_id"]), dict(hit.get("_source") or {})) for hit in hits]
    docs = [(agent_id, doc) for agent_id, doc in docs if doc.get("name") == name]
    return sorted(docs, key=lambda item: (int(item[1].get("created_time") or 0), item[0]))


def delete(client: MLCommonsClient, kind: Kind, resource_id: str) -> bool:
    """Delete a pipeline or an agent; False when it was already gone."""
    path = (AGENTS if kind is Kind.AGENT else _PIPELINE_PATHS[kind]) + _segment(resource_id)
    try:
        client.request("DELETE", path)
    except BackendNotFoundError:
        return False
    return True


def simulate(client: MLCommonsClient, pipeline_id: str, sources: Sequence[Mapping[str, Any]]) -> Json:
    """``POST _ingest/pipeline/{id}/_simulate`` with one document per source."""
    docs = [{"_source": dict(source)} for source in sources]
    return client.request(
        "POST",
        _PIPELINE_PATHS[Kind.INGEST_PIPELINE] + _segment(pipeline_id) + "/_simulate",
        body={"docs": docs},
    )


def execute(client: MLCommonsClient, agent_id: str, parameters: Mapping[str, Any]) -> Json:
    """``POST /_plugins/_ml/agents/{id}/_execute``."""
    return client.request(
        "POST", AGENTS + _segment(agent_id) + "/_execute", body={"parameters": dict(parameters)}
    )


def read_all(client: MLCommonsClient, kind: Kind) -> dict[str, Json]:
    """Every pipeline (one GET) or agent (paged searches, however many there are) of ``kind``, by id."""
    if kind is not Kind.AGENT:
        try:
            response = client.request("GET", _PIPELINE_PATHS[kind].rstrip("/"))
        except BackendNotFoundError:  # no pipeline at all: OpenSearch answers 404 with {}
            return {}
        return {name: dict(body) for name, body in response.items() if isinstance(body, Mapping)}
    try:
        hits = client.scan(AGENTS + "_search", {"match_all": {}})
    except BackendNotFoundError:  # no agent was ever registered: the index does not exist yet
        return {}
    return {str(hit["_id"]): dict(hit.get("_source") or {}) for hit in hits}
