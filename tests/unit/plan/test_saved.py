"""Saved plans round-trip, and stale ones are refused."""

# mypy: allow-untyped-defs, allow-untyped-calls

import dataclasses
import json

import pytest
from plan_states import full_desired, full_state, state

from mlgitops.errors import PlanError
from mlgitops.plan.planning import build_plan
from mlgitops.plan.saved import (
    OTHER_SCHEME_MESSAGE,
    STALE_MESSAGE,
    build_saved_plan,
    check_saved_plan,
    parse_saved_plan,
)


def test_round_trip_through_json():
    plan = build_plan(full_desired(), state(), target="local:x")
    data = json.loads(json.dumps(build_saved_plan(plan)))
    assert parse_saved_plan(data) == plan


def test_stale_or_foreign_plans_are_refused():
    plan = build_plan(full_desired(), full_state(), target="local:x")
    check_saved_plan(plan, fingerprint=plan.fingerprint, target="local:x")
    changed = build_plan([], full_state("UNDEPLOYED")).fingerprint
    with pytest.raises(PlanError, match="run plan again") as caught:
        check_saved_plan(plan, fingerprint=changed, target="local:x")
    assert str(caught.value) == STALE_MESSAGE
    with pytest.raises(PlanError, match="made for target"):
        check_saved_plan(plan, fingerprint=plan.fingerprint, target="local:y")


def test_a_plan_fingerprinted_by_another_scheme_is_refused_as_made_by_another_version():
    plan = build_plan(full_desired(), full_state(), target="local:x")
    older = dataclasses.replace(plan, fingerprint="0" * 64)  # a bare digest, as older versions wrote
    for current in ("target-v3:" + "0" * 64, "target-v4:" + "1" * 64):
        with pytest.raises(PlanError) as caught:
            check_saved_plan(older, fingerprint=current, target="local:x")
        assert str(caught.value) == OTHER_SCHEME_MESSAGE
    same_scheme = dataclasses.replace(plan, fingerprint="target-v3:" + "2" * 64)
    with pytest.raises(PlanError) as caught:
        check_saved_plan(same_scheme, fingerprint="target-v3:" + "3" * 64, target="local:x")
    assert str(caught.value) == STALE_MESSAGE


@pytest.mark.parametrize(
    "data",
    [
        [],
        {"format": "x"},
        {"format": "mlgitops-saved-plan", "format_version": "9"},
        {"format": "mlgitops-saved-plan", "format_version": "1", "actions": [{"verb": "fly"}]},
    ],
)
def test_bad_files_are_plan_errors(data):
    with pytest.raises(PlanError):
        parse_saved_plan(data)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("body", "not a mapping"),
        ("resource_id", 42),
        ("secret_digests", ["x"]),
        ("changes", {"path": "x"}),
        ("depends_on", [99]),
        ("kind", "Pipeline"),
    ],
)
def test_damaged_actions_are_plan_errors_not_crashes(field, value):
    data = build_saved_plan(build_plan(full_desired(), state(), target="local:x"))
    data["actions"][1][field] = value
    with pytest.raises(PlanError, match="the saved plan is damaged"):
        parse_saved_plan(data)
