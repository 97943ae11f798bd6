"""Hand-built desired and actual states for planner tests."""

# mypy: allow-untyped-defs, allow-untyped-calls

from typing import Any

from mlgitops.model.resources import Kind, ResourceKey
from mlgitops.plan.state import ActualResource, ActualState, DesiredResource, OwnershipRecord

GROUP = ResourceKey(Kind.MODEL_GROUP, "group")
CONN = ResourceKey(Kind.CONNECTOR, "conn")
MODEL = ResourceKey(Kind.MODEL, "model")
SETTINGS = ResourceKey(Kind.CLUSTER_SETTINGS, "ml")

CONNECTOR_BODY: dict[str, Any] = {
    "name": "conn",
    "version": 1,
    "protocol": "http",
    "parameters": {"endpoint": "api.openai.com", "dims": 8, "opts": {"a": 1}},
    "actions": [
        {
            "action_type": "predict",
            "method": "POST",
            "url": "https://${parameters.endpoint}/v1",
            "request_body": '{"input": "${parameters.input}", "n": 1}',
        }
    ],
}
DIGESTS = {"key": "hmac-sha256:aaa"}


def desired_group(**body: Any) -> DesiredResource:
    return DesiredResource(GROUP, {"name": "group", **body})


def desired_connector(digests: dict[str, str] | None = None, **body: Any) -> DesiredResource:
    return DesiredResource(
        CONN, {**CONNECTOR_BODY, **body}, secret_digests=DIGESTS if digests is None else digests
    )


def desired_model(deployed: bool = True, **body: Any) -> DesiredResource:
    full = {"name": "model", "function_name": "remote", "model_group": "group", "connector": "conn", **body}
    return DesiredResource(MODEL, full, deployed=deployed, depends_on=(GROUP, CONN))


def server_connector(**changes: Any) -> dict[str, Any]:
    """The connector as ML Commons 2.19 echoes it back."""
    doc = {
        "name": "conn",
        "version": "1",
        "protocol": "http",
        "parameters": {"endpoint": "api.openai.com", "dims": "8", "opts": '{"a":1}'},
        "actions": [
            {
                "action_type": "PREDICT",
                "method": "POST",
                "url": "https://${parameters.endpoint}/v1",
                "request_body": '{ "input": "${parameters.input}",\n "n": 1 }',
            }
        ],
        "owner": {"name": "admin"},
        "access": "public",
        "created_time": 1,
        "last_updated_time": 2,
    }
    doc.update(changes)
    return doc


def server_group(**changes: Any) -> dict[str, Any]:
    doc = {
        "name": "group",
        "latest_version": 3,
        "access": "public",
        "created_time": 1,
        "last_updated_time": 2,
    }
    doc.update(changes)
    return doc


def server_model(state: str = "DEPLOYED", **changes: Any) -> dict[str, Any]:
    doc = {
        "name": "model",
        "algorithm": "REMOTE",
        "model_group_id": "g1",
        "connector_id": "c1",
        "model_version": "1",
        "model_state": state,
        "is_enabled": True,
        "planning_worker_node_count": 1,
        "current_worker_node_count": 1,
        "deploy_to_all_nodes": True,
        "is_hidden": False,
        "created_time": 1,
    }
    doc.update(changes)
    return doc


def owned(key: ResourceKey, resource_id: str, document: dict[str, Any], **record: Any) -> ActualResource:
    return ActualResource(key, resource_id, document, OwnershipRecord(key, resource_id, **record))


def state(*resources: ActualResource, unowned: tuple[ActualResource, ...] = (), **extra: Any) -> ActualState:
    return ActualState(
        resources={resource.key: resource for resource in resources},
        unowned={resource.key: resource for resource in unowned},
        **extra,
    )


def full_state(model_state: str = "DEPLOYED") -> ActualState:
    """Group, connector and model as a previous apply left them."""
    return state(
        owned(GROUP, "g1", server_group()),
        owned(CONN, "c1", server_connector(), secret_digests=DIGESTS),
        owned(MODEL, "m1", server_model(model_state)),
    )


def full_desired(**model: Any) -> list[DesiredResource]:
    return [desired_group(), desired_connector(), desired_model(**model)]


def steps(plan: Any) -> list[tuple[str, str]]:
    return [(action.verb.value, str(action.key)) for action in plan.actions]
