"""build_plan: every planning rule on hand-built desired/actual states."""

# mypy: allow-untyped-defs, allow-untyped-calls

from typing import Any

import pytest
from plan_states import (
    CONN,
    DIGESTS,
    GROUP,
    MODEL,
    SETTINGS,
    desired_connector,
    desired_group,
    desired_model,
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
from mlgitops.model.mlcommons import NEUTRAL_RATE_LIMITER
from mlgitops.model.resources import Kind, ResourceKey
from mlgitops.plan.actions import Verb
from mlgitops.plan.planning import build_plan
from mlgitops.plan.state import ActualResource, DesiredResource


def test_empty_target_creates_in_dependency_order_then_deploys():
    plan = build_plan(full_desired(), state())
    assert steps(plan) == [
        ("create", "ModelGroup/group"),
        ("create", "Connector/conn"),
        ("register", "Model/model"),
        ("deploy", "Model/model"),
    ]
    register, deploy = plan.actions[2], plan.actions[3]
    assert register.depends_on == (0, 1)
    assert 2 in deploy.depends_on
    assert plan.actions[1].secret_digests == DIGESTS
    assert any(change.path == "credential.key" and change.sensitive for change in plan.actions[1].changes)


def test_server_echo_is_not_drift():
    assert build_plan(full_desired(), full_state()).is_empty


def test_plan_is_deterministic():
    desired = [*full_desired(), DesiredResource(SETTINGS, {"persistent": {"plugins.ml_commons.x": True}})]
    first = build_plan(desired, state())
    second = build_plan(list(reversed(desired)), state())
    assert first == second


def test_group_rename_is_an_update():
    plan = build_plan([desired_group(name="renamed")], state(owned(GROUP, "g1", server_group())))
    assert steps(plan) == [("update", "ModelGroup/group")]
    assert plan.actions[0].resource_id == "g1"
    assert [(c.path, c.before, c.after) for c in plan.actions[0].changes] == [("name", "group", "renamed")]


def test_connector_change_used_by_deployed_model_undeploys_updates_redeploys():
    desired = [
        desired_group(),
        desired_connector(parameters={"endpoint": "x", "dims": 8, "opts": {"a": 1}}),
        *full_desired()[2:],
    ]
    plan = build_plan(desired, full_state())
    assert steps(plan) == [
        ("undeploy", "Model/model"),
        ("update", "Connector/conn"),
        ("deploy", "Model/model"),
    ]
    assert all(action.disruptive for action in plan.actions)
    assert plan.actions[1].depends_on == (0,)
    assert plan.actions[2].depends_on == (0, 1)
    assert plan.actions[1].body is not None and plan.actions[1].body["parameters"]["endpoint"] == "x"


def test_connector_change_of_registered_model_needs_no_undeploy():
    desired = [desired_group(), desired_connector(description="new"), *full_desired(deployed=False)[2:]]
    plan = build_plan(desired, full_state("REGISTERED"))
    assert steps(plan) == [("update", "Connector/conn")]
    assert not plan.actions[0].disruptive


def test_removed_parameter_forces_replace_with_create_before_destroy():
    body: dict[str, Any] = {"parameters": {"endpoint": "api.openai.com", "dims": 8}}
    plan = build_plan([desired_group(), desired_connector(**body), *full_desired()[2:]], full_state())
    assert steps(plan) == [
        ("undeploy", "Model/model"),
        ("replace", "Connector/conn"),
        ("update", "Model/model"),
        ("deploy", "Model/model"),
        ("delete", "Connector/conn"),
    ]
    replace, repoint, delete = plan.actions[1], plan.actions[2], plan.actions[4]
    assert "opts" in replace.reason and replace.verb == Verb.REPLACE
    assert repoint.body == {"connector": "conn"}
    assert delete.resource_id == "c1" and 2 in delete.depends_on


def test_removed_credential_key_forces_replace():
    actual = state(owned(CONN, "c1", server_connector(), secret_digests={**DIGESTS, "old": "x"}))
    plan = build_plan([desired_connector()], actual)
    assert steps(plan)[0] == ("replace", "Connector/conn")
    assert "old" in plan.actions[0].reason


def test_credential_rotation_shows_only_a_mask():
    actual = state(owned(CONN, "c1", server_connector(), secret_digests={"key": "hmac-sha256:old"}))
    plan = build_plan([desired_connector()], actual)
    (action,) = plan.actions
    assert action.verb == Verb.UPDATE
    (change,) = action.changes
    assert change.sensitive and change.after == "(sensitive value changed)"
    assert "hmac" not in str(change.before)


def test_inline_to_reference_switch_forces_model_replace():
    inline = {**server_model(), "connector": server_connector()}
    del inline["connector_id"]
    actual = state(
        owned(GROUP, "g1", server_group()),
        owned(CONN, "c1", server_connector(), secret_digests=DIGESTS),
        owned(MODEL, "m1", inline),
    )
    plan = build_plan(full_desired(), actual)
    assert steps(plan) == [
        ("replace", "Model/model"),
        ("deploy", "Model/model"),
        ("undeploy", "Model/model"),
        ("delete", "Model/model"),
    ]
    assert plan.actions[2].resource_id == "m1" and plan.actions[3].resource_id == "m1"
    assert plan.actions[1].resource_id is None


def test_desired_undeployed_and_deploy_failed():
    assert steps(build_plan(full_desired(deployed=False), full_state())) == [("undeploy", "Model/model")]
    plan = build_plan(full_desired(), full_state("DEPLOY_FAILED"))
    assert steps(plan) == [("deploy", "Model/model")]
    assert "DEPLOY_FAILED" in plan.actions[0].reason
    assert steps(build_plan(full_desired(), full_state("UNDEPLOYED"))) == [("deploy", "Model/model")]


def test_removed_resources_are_kept_without_prune():
    plan = build_plan([desired_group()], full_state())
    assert plan.is_empty
    assert any("--prune" in warning for warning in plan.warnings)
    assert sorted(str(key) for key in plan.kept) == ["Connector/conn", "Model/model"]


def test_prune_undeploys_then_deletes_in_reverse_order():
    plan = build_plan([desired_group()], full_state(), prune=True)
    assert steps(plan) == [
        ("undeploy", "Model/model"),
        ("delete", "Model/model"),
        ("delete", "Connector/conn"),
    ]
    assert plan.actions[1].depends_on == (0,)
    assert 1 in plan.actions[2].depends_on


def test_prune_never_deletes_protected_records():
    actual = state(owned(GROUP, "g1", server_group(), protected=True))
    plan = build_plan([desired_connector()], actual, prune=True)
    assert ("delete", "ModelGroup/group") not in steps(plan)
    assert any("protected" in warning for warning in plan.warnings)
    assert plan.kept == (GROUP,)


def test_protection_change_rewrites_the_record_only():
    plan = build_plan(
        [DesiredResource(GROUP, {"name": "group"}, protected=True)], state(owned(GROUP, "g1", server_group()))
    )
    (action,) = plan.actions
    assert action.verb == Verb.UPDATE and action.body is None and action.protected


def test_empty_desired_set_refuses_to_prune_everything():
    with pytest.raises(PlanError, match="--allow-empty"):
        build_plan([], full_state(), prune=True)
    assert len(build_plan([], full_state(), prune=True, allow_empty=True).actions) == 4
    assert build_plan([], full_state()).is_empty


def test_unowned_name_clash_is_an_error_unless_adopted():
    unowned = ActualResource(GROUP, "x9", server_group())
    with pytest.raises(PlanError, match="--adopt") as caught:
        build_plan([desired_group()], state(unowned=(unowned,)))
    assert "x9" in str(caught.value)
    plan = build_plan([desired_group(description="d")], state(unowned=(unowned,)), adopt=True)
    assert steps(plan) == [("adopt", "ModelGroup/group"), ("update", "ModelGroup/group")]
    assert plan.actions[0].resource_id == "x9" and plan.actions[1].depends_on == (0,)


def test_a_look_alike_left_by_an_interrupted_run_is_no_clash():
    unowned = ActualResource(GROUP, "x9", server_group())
    pending = {GROUP: "create by run run-1"}
    plan = build_plan([desired_group()], state(unowned=(unowned,), pending=pending))
    assert steps(plan) == [("adopt", "ModelGroup/group")]
    assert plan.warnings == (
        "ModelGroup/group: an interrupted run left a pending create by run run-1; the next reconcile "
        "recovers it first (a resource it created is shown as adopted here)",
    )


def test_adopting_a_connector_records_the_given_credentials_without_sending_them():
    unowned = ActualResource(CONN, "c9", server_connector())
    plan = build_plan([desired_connector()], state(unowned=(unowned,)), adopt=True)
    assert steps(plan) == [("adopt", "Connector/conn")]
    assert plan.actions[0].secret_digests == DIGESTS


def test_adopting_a_deployed_model_and_its_connector_touches_neither():
    unowned = (
        ActualResource(GROUP, "g1", server_group()),
        ActualResource(CONN, "c1", server_connector()),
        ActualResource(MODEL, "m1", server_model()),
    )
    plan = build_plan(full_desired(), state(unowned=unowned), adopt=True)
    assert steps(plan) == [
        ("adopt", "ModelGroup/group"),
        ("adopt", "Connector/conn"),
        ("adopt", "Model/model"),
    ]


def test_adopting_an_agent_that_uses_an_adopted_model_keeps_the_agent():
    agent_key = ResourceKey(Kind.AGENT, "agent")
    tools = [{"type": "MLModelTool", "parameters": {"model_id": "m1"}}]
    wanted = [{"type": "MLModelTool", "parameters": {"model_id": {"model": "model"}}}]
    desired = [
        *full_desired(),
        DesiredResource(agent_key, {"name": "agent", "type": "flow", "tools": wanted}, depends_on=(MODEL,)),
    ]
    unowned = (
        ActualResource(GROUP, "g1", server_group()),
        ActualResource(CONN, "c1", server_connector()),
        ActualResource(MODEL, "m1", server_model()),
        ActualResource(agent_key, "a1", {"name": "agent", "type": "flow", "tools": tools}),
    )
    plan = build_plan(desired, state(unowned=unowned), adopt=True)
    assert [verb for verb, _ in steps(plan)] == ["adopt"] * 4


def test_settings_change_first_and_everything_depends_on_it():
    desired = [
        DesiredResource(SETTINGS, {"persistent": {"plugins.ml_commons.a": True, "plugins.ml_commons.b": 3}}),
        desired_group(),
    ]
    plan = build_plan(desired, state(settings={"plugins.ml_commons.a": "true", "plugins.ml_commons.b": "1"}))
    assert steps(plan) == [("create", "ClusterSettings/ml"), ("create", "ModelGroup/group")]
    assert plan.actions[0].body == {"persistent": {"plugins.ml_commons.b": 3}}
    assert plan.actions[1].depends_on == (0,)


def test_independent_resources_do_not_depend_on_each_other():
    other = DesiredResource(CONN._replace(name="other"), {**desired_connector().body, "name": "other"})
    plan = build_plan([desired_connector(), other], state())
    assert [action.depends_on for action in plan.actions] == [(), ()]


def test_fingerprint_is_taken_from_the_state_or_computed():
    assert build_plan([], state(fingerprint="fp")).fingerprint == "fp"
    computed = build_plan([], full_state()).fingerprint
    assert computed.startswith("sha256:")
    changed = state(owned(MODEL, "m1", server_model("UNDEPLOYED")))
    assert build_plan([], changed).fingerprint != computed


def test_duplicate_keys_are_refused():
    with pytest.raises(PlanError, match="more than once"):
        build_plan([desired_group(), desired_group()], state())


def test_model_update_sends_only_updatable_fields():
    plan = build_plan(full_desired(description="new"), full_state())
    (action,) = plan.actions
    assert action.verb == Verb.UPDATE and action.resource_id == "m1"
    assert action.body == {"name": "model", "model_group": "group", "connector": "conn", "description": "new"}


def inline_state(**connector_changes):
    connector = {k: v for k, v in server_connector(**connector_changes).items() if k != "name"}
    inline = {k: v for k, v in server_model().items() if k != "connector_id"}
    inline["connector"] = connector
    return state(owned(GROUP, "g1", server_group()), owned(MODEL, "m1", inline, secret_digests=DIGESTS))


def inline_desired(**connector_body):
    connector = {k: v for k, v in desired_connector().body.items() if k != "name"}
    connector.update(connector_body)
    body = {"name": "model", "function_name": "remote", "model_group": "group", "connector": connector}
    return [desired_group(), DesiredResource(MODEL, body, secret_digests=DIGESTS, deployed=True)]


def test_inline_connector_changes_update_the_deployed_model():
    actual = inline_state()
    assert build_plan(inline_desired(), actual).is_empty
    plan = build_plan(inline_desired(description="d"), actual)
    assert steps(plan) == [("update", "Model/model")]
    assert plan.actions[0].changes[0].path == "connector.description"
    assert plan.actions[0].body is not None and plan.actions[0].body["connector"]["description"] == "d"


def test_inline_connector_credential_rotation_and_removed_parameter():
    desired = inline_desired()
    desired[1] = DesiredResource(MODEL, desired[1].body, secret_digests={"key": "new"}, deployed=True)
    actual = inline_state()
    plan = build_plan(desired, actual)
    assert [c.path for c in plan.actions[0].changes if c.sensitive] == ["connector.credential.key"]
    removed = inline_desired(parameters={"endpoint": "api.openai.com"})
    assert steps(build_plan(removed, actual))[0] == ("replace", "Model/model")


def test_client_config_reset_sends_the_defaults():
    actual = state(
        owned(CONN, "c1", server_connector(client_config={"max_connection": 5}), secret_digests=DIGESTS)
    )
    (action,) = build_plan([desired_connector()], actual).actions
    assert action.body is not None and action.body["client_config"]["max_connection"] == 30


def test_connector_change_also_restores_a_removed_but_kept_model():
    plan = build_plan([desired_group(), desired_connector(description="x")], full_state())
    assert steps(plan) == [
        ("undeploy", "Model/model"),
        ("update", "Connector/conn"),
        ("deploy", "Model/model"),
    ]
    pruned = build_plan([desired_group(), desired_connector(description="x")], full_state(), prune=True)
    assert steps(pruned) == [
        ("update", "Connector/conn"),
        ("undeploy", "Model/model"),
        ("delete", "Model/model"),
    ]


def test_replaced_connector_leaves_models_moving_elsewhere_alone():
    other = CONN._replace(name="other")
    desired = [
        desired_group(),
        desired_connector(parameters={"endpoint": "api.openai.com"}),
        DesiredResource(other, {**desired_connector().body, "name": "other"}),
        desired_model(connector="other"),
    ]
    plan = build_plan(desired, full_state())
    updates = [a for a in plan.actions if a.key == MODEL and a.verb == Verb.UPDATE]
    assert len(updates) == 1 and updates[0].body is not None and updates[0].body["connector"] == "other"


def test_protected_resources_are_never_replaced():
    body: dict[str, Any] = {"parameters": {"endpoint": "api.openai.com"}}
    protected = DesiredResource(
        CONN, {**desired_connector().body, **body}, secret_digests=DIGESTS, protected=True
    )
    actual = state(owned(CONN, "c1", server_connector(), secret_digests=DIGESTS))
    with pytest.raises(PlanError, match="Connector/conn is protected"):
        build_plan([protected], actual)
    recorded = state(owned(CONN, "c1", server_connector(), secret_digests=DIGESTS, protected=True))
    with pytest.raises(PlanError, match="forces replacement"):
        build_plan([desired_connector(**body)], recorded)


def test_a_removed_rate_limiter_is_updated_to_the_neutral_one():
    limited = server_model(rate_limiter={"limit": "4", "unit": "MINUTES"})
    plan = build_plan(full_desired(), state(*full_state().resources.values(), owned(MODEL, "m1", limited)))
    (action,) = plan.actions
    assert action.verb is Verb.UPDATE and action.body is not None
    assert action.body["rate_limiter"] == NEUTRAL_RATE_LIMITER
    neutral = server_model(rate_limiter=dict(NEUTRAL_RATE_LIMITER))
    assert build_plan(
        full_desired(), state(*full_state().resources.values(), owned(MODEL, "m1", neutral))
    ).is_empty


def test_an_output_only_interface_ignores_the_preset_input_left_on_the_server():
    schema = '{"type": "object"}'
    merged = server_model(interface={"input": '{"type": "string"}', "output": schema})
    actual = state(*full_state().resources.values(), owned(MODEL, "m1", merged))
    assert build_plan(full_desired(interface={"output": schema}), actual).is_empty
    changed = build_plan(full_desired(interface={"output": '{"type": "array"}'}), actual)
    assert [c.path for c in changed.actions[0].changes] == ["interface.output.type"]


def test_adopting_settings_that_already_match_records_them():
    desired = [DesiredResource(SETTINGS, {"persistent": {"plugins.ml_commons.a": True}})]
    matching = state(settings={"plugins.ml_commons.a": "true"})
    assert build_plan(desired, matching).is_empty
    plan = build_plan(desired, matching, adopt=True)
    assert steps(plan) == [("adopt", "ClusterSettings/ml")]
    assert plan.actions[0].resource_id == "_cluster"
