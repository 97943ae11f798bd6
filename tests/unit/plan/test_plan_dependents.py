"""Planning pipelines and agents: order around models, repointing on replacement, blue/green."""

# mypy: allow-untyped-defs, allow-untyped-calls

import dataclasses
from typing import Any

import pytest
from plan_states import (
    CONN,
    DIGESTS,
    GROUP,
    MODEL,
    desired_connector,
    desired_group,
    full_desired,
    full_state,
    owned,
    server_connector,
    server_group,
    server_model,
    state,
    steps,
)

from mlgitops.errors import PlanError
from mlgitops.model.resources import Kind, ResourceKey
from mlgitops.plan.actions import Verb
from mlgitops.plan.planning import build_plan
from mlgitops.plan.state import DesiredResource

PIPE = ResourceKey(Kind.INGEST_PIPELINE, "embed")
AGENT = ResourceKey(Kind.AGENT, "helper")
REF = {"model": "model"}


def pipeline_body(model_id: Any = REF, **extra: Any) -> dict[str, Any]:
    processor = {"ml_inference": {"model_id": model_id, "input_map": [{"input": "text"}]}}
    return {"processors": [processor], **extra}


def agent_body(**extra: Any) -> dict[str, Any]:
    tool = {"type": "MLModelTool", "parameters": {"model_id": REF, "prompt": "${parameters.question}"}}
    return {"name": "helper", "type": "flow", "tools": [tool], **extra}


def desired_users(
    pipeline: dict[str, Any] | None = None, agent: dict[str, Any] | None = None
) -> list[DesiredResource]:
    return [
        DesiredResource(PIPE, pipeline or pipeline_body(), depends_on=(MODEL,)),
        DesiredResource(AGENT, agent or agent_body(), depends_on=(MODEL,)),
    ]


def server_agent(model_id: str = "m1") -> dict[str, Any]:
    """An agent as ML Commons 2.19 returns it."""
    tool = {
        "include_output_in_agent_response": False,
        "type": "MLModelTool",
        "parameters": {"model_id": model_id, "prompt": "${parameters.question}"},
    }
    return {"name": "helper", "type": "flow", "tools": [tool], "created_time": 1, "is_hidden": False}


def users_state(model_state: str = "DEPLOYED", **model: Any) -> Any:
    base = full_state(model_state)
    return state(
        *base.resources.values(),
        owned(MODEL, "m1", server_model(model_state, **model)),
        owned(PIPE, "embed", pipeline_body("m1")),
        owned(AGENT, "a1", server_agent()),
    )


def index_of(plan: Any, verb: Verb, key: ResourceKey, resource_id: str | None = "any") -> int:
    for action in plan.actions:
        if action.verb == verb and action.key == key and resource_id in ("any", action.resource_id):
            return int(action.index)
    raise AssertionError(f"no {verb} of {key} in {steps(plan)}")


def test_fresh_target_creates_users_after_their_model_is_deployed():
    plan = build_plan([*full_desired(), *desired_users()], state())
    deploy = index_of(plan, Verb.DEPLOY, MODEL)
    for key, verb in ((PIPE, Verb.CREATE), (AGENT, Verb.REGISTER)):
        action = plan.actions[index_of(plan, verb, key)]
        assert action.index > deploy and deploy in action.depends_on


def test_the_server_echo_of_users_is_no_change():
    assert build_plan([*full_desired(), *desired_users()], users_state()).is_empty


def test_changed_pipeline_is_updated_in_place_and_changed_agent_is_replaced():
    desired = [*full_desired(), *desired_users(pipeline_body(description="d"), agent_body(description="d"))]
    plan = build_plan(desired, users_state())
    assert steps(plan) == [
        ("update", "IngestPipeline/embed"),
        ("replace", "Agent/helper"),
        ("delete", "Agent/helper"),
    ]
    assert plan.actions[2].resource_id == "a1"


def test_changes_show_the_model_by_name():
    other = ResourceKey(Kind.MODEL, "other")
    actual = state(*users_state().resources.values(), owned(other, "m2", server_model(name="other")))
    desired = [*full_desired(), *desired_users(pipeline_body({"model": "other"}))]
    desired.append(DesiredResource(other, {"name": "other", "function_name": "remote"}, deployed=True))
    plan = build_plan(desired, actual)
    change = next(a for a in plan.actions if a.key == PIPE).changes[0]
    assert (change.path, change.before, change.after) == (
        "processors[0].ml_inference.model_id.model",
        "model",
        "other",
    )


def test_forced_model_replacement_moves_users_before_the_old_model_goes():
    inline = server_model(connector={"protocol": "http", "actions": []})
    del inline["connector_id"]
    base = users_state()
    actual = state(*[r for r in base.resources.values() if r.key != MODEL], owned(MODEL, "m1", inline))
    plan = build_plan([*full_desired(), *desired_users()], actual)
    new = index_of(plan, Verb.DEPLOY, MODEL)
    pipe = plan.actions[index_of(plan, Verb.UPDATE, PIPE)]
    agent = plan.actions[index_of(plan, Verb.REPLACE, AGENT)]
    old_undeploy = index_of(plan, Verb.UNDEPLOY, MODEL, "m1")
    old_delete = index_of(plan, Verb.DELETE, MODEL, "m1")
    assert new < pipe.index < old_undeploy < old_delete and new < agent.index < old_undeploy
    assert "moves to the replacement of Model/model" in pipe.reason
    assert pipe.body is not None and pipe.body["processors"][0]["ml_inference"]["model_id"] == REF
    assert pipe.index in plan.actions[old_undeploy].depends_on


def test_connector_change_under_a_used_model_is_blue_green():
    desired = [desired_group(), desired_connector(parameters={"endpoint": "x", "dims": 8, "opts": {"a": 1}})]
    desired += [*full_desired()[2:], *desired_users()]
    plan = build_plan(desired, users_state())
    assert steps(plan) == [
        ("replace", "Connector/conn"),
        ("replace", "Model/model"),
        ("deploy", "Model/model"),
        ("update", "IngestPipeline/embed"),
        ("replace", "Agent/helper"),
        ("delete", "Agent/helper"),
        ("undeploy", "Model/model"),
        ("delete", "Model/model"),
        ("delete", "Connector/conn"),
    ]
    model = plan.actions[1]
    assert "IngestPipeline/embed" in model.reason and "Agent/helper" in model.reason
    assert not any(a.verb == Verb.UNDEPLOY and a.resource_id == "m1" and a.index < 6 for a in plan.actions)
    assert [a.resource_id for a in plan.actions[6:8]] == ["m1", "m1"] and plan.actions[8].resource_id == "c1"
    assert not plan.actions[0].disruptive and not plan.actions[3].disruptive


def test_connector_change_without_users_keeps_the_in_place_choreography():
    desired = [desired_group(), desired_connector(parameters={"endpoint": "x", "dims": 8, "opts": {"a": 1}})]
    plan = build_plan([*desired, *full_desired()[2:]], full_state())
    assert [verb for verb, _ in steps(plan)] == ["undeploy", "update", "deploy"]


def test_blue_green_is_not_used_on_a_protected_connector():
    desired = [desired_group(), desired_connector(parameters={"endpoint": "x", "dims": 8, "opts": {"a": 1}})]
    actual = users_state()
    resources = dict(actual.resources)
    resources[CONN] = owned(CONN, "c1", server_connector(), secret_digests=DIGESTS, protected=True)
    plan = build_plan([*desired, *full_desired()[2:], *desired_users()], state(*resources.values()))
    assert [verb for verb, _ in steps(plan)] == ["undeploy", "update", "deploy"]


def test_prune_deletes_users_before_the_model_they_use():
    plan = build_plan([desired_group()], users_state(), prune=True)
    order = steps(plan)
    assert order.index(("delete", "IngestPipeline/embed")) < order.index(("undeploy", "Model/model"))
    assert order.index(("delete", "Agent/helper")) < order.index(("delete", "Model/model"))


def test_a_changed_protected_agent_cannot_be_replaced():
    actual = users_state()
    resources = dict(actual.resources)
    resources[AGENT] = owned(AGENT, "a1", server_agent(), protected=True)
    desired = [*full_desired(), *desired_users(agent=agent_body(description="new"))]
    with pytest.raises(PlanError, match="Agent/helper is protected"):
        build_plan(desired, state(*resources.values()))


def test_group_and_owned_ids_are_not_confused_with_models():
    actual = state(owned(GROUP, "m1", server_group()), owned(PIPE, "embed", pipeline_body("m1")))
    plan = build_plan([desired_group(), DesiredResource(PIPE, pipeline_body("m1"))], actual)
    assert plan.is_empty


def changed_connector() -> list[DesiredResource]:
    return [desired_group(), desired_connector(parameters={"endpoint": "x", "dims": 8, "opts": {"a": 1}})]


def with_strategy(choice: str) -> DesiredResource:
    return dataclasses.replace(full_desired()[2], connector_change=choice)


def test_connector_change_in_place_keeps_the_model_id_even_with_users():
    plan = build_plan([*changed_connector(), with_strategy("in_place"), *desired_users()], users_state())
    assert [verb for verb, _ in steps(plan)] == ["undeploy", "update", "deploy"]


def test_connector_change_blue_green_applies_without_users():
    plan = build_plan([*changed_connector(), with_strategy("blue_green")], full_state())
    assert steps(plan)[:3] == [
        ("replace", "Connector/conn"),
        ("replace", "Model/model"),
        ("deploy", "Model/model"),
    ]
    assert plan.actions[1].reason == "blue/green: Connector/conn changes; a new model takes over"


def test_one_in_place_model_keeps_the_whole_connector_in_place_with_a_warning():
    other = ResourceKey(Kind.MODEL, "other")
    body = {"name": "other", "function_name": "remote", "model_group": "group", "connector": "conn"}
    desired = [
        *changed_connector(),
        *full_desired()[2:],
        DesiredResource(other, body, deployed=True, depends_on=(GROUP, CONN), connector_change="in_place"),
        *desired_users(),
    ]
    actual = state(*users_state().resources.values(), owned(other, "m2", server_model(name="other")))
    plan = build_plan(desired, actual)
    assert ("update", "Connector/conn") in steps(plan)
    assert any("Model/other asks for connector_change: in_place" in warning for warning in plan.warnings)
