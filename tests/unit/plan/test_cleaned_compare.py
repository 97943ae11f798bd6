"""Comparing normalised bodies without copying them: the same verdict as drop_empty then build_changes."""

import random
from types import MappingProxyType
from typing import Any

import pytest

from mlgitops.model.resources import Kind, ResourceKey
from mlgitops.plan.compare import compare
from mlgitops.plan.diffing import _identical, build_changes
from mlgitops.plan.normalize import drop_empty, identical_when_cleaned, normalize_connector
from mlgitops.plan.state import ActualResource, ActualState, DesiredResource

SCALARS: list[Any] = [None, "", "a", "b", 0, 1, 1.0, True, False]
KEYS = ["a", "b", "c"]


def random_value(rng: random.Random, depth: int) -> Any:
    roll = rng.random()
    if depth == 0 or roll < 0.4:
        return rng.choice(SCALARS)
    if roll < 0.75:
        return {key: random_value(rng, depth - 1) for key in rng.sample(KEYS, rng.randint(0, 3))}
    return [random_value(rng, depth - 1) for _ in range(rng.randint(0, 2))]


def near_copy(rng: random.Random, value: Any, depth: int) -> Any:
    """``value`` with a few edits: empty entries added or dropped, a leaf or a type changed."""
    if isinstance(value, dict):
        out = {key: near_copy(rng, item, depth - 1) for key, item in value.items()}
        roll = rng.random()
        if roll < 0.2:
            out[rng.choice(KEYS)] = rng.choice([None, "", {}, [], {"x": None}, {"x": {"y": ""}}])
        elif roll < 0.3 and out:
            del out[rng.choice(list(out))]
        return out
    if isinstance(value, list):
        return [near_copy(rng, item, depth - 1) for item in value]
    return rng.choice(SCALARS) if rng.random() < 0.15 else value


def cleaned_verdict(left: dict[str, Any], right: dict[str, Any]) -> bool:
    """Both sides cleaned, then compared as ``build_changes`` does first (types all the way down)."""
    return _identical(drop_empty(left), drop_empty(right))


def test_random_plain_json_gets_the_verdict_of_cleaning_both_sides() -> None:
    rng = random.Random(20261202)
    agreed = {True: 0, False: 0}
    for _ in range(3000):
        left = {key: random_value(rng, 3) for key in rng.sample(KEYS, rng.randint(0, 3))}
        right = near_copy(rng, left, 3)
        verdict = cleaned_verdict(left, right)
        assert identical_when_cleaned(left, right) is verdict, (left, right)
        assert identical_when_cleaned(right, left) is verdict, (right, left)
        if verdict:  # the planner then reports no change, as build_changes does for the cleaned pair
            assert build_changes(drop_empty(left), drop_empty(right)) == ()
        agreed[verdict] += 1
    assert min(agreed.values()) > 300  # both verdicts were exercised, not just one


@pytest.mark.parametrize(
    ("left", "right", "same"),
    [
        ({"a": 1, "b": None, "c": ""}, {"a": 1}, True),
        ({"a": {"x": None, "y": {"z": ""}}}, {}, True),
        ({"a": []}, {"a": {}}, True),  # both left out
        ({"a": [None]}, {}, False),  # a list keeps its items, so it stays
        ({"a": 1}, {"a": 1.0}, False),
        ({"a": 1}, {"a": True}, False),
        ({"a": False}, {}, False),  # False and 0 are values, not empty
        ({"a": [{"x": None}]}, {"a": [{}]}, True),
        ({"a": [1, 2]}, {"a": [2, 1]}, False),
    ],
)
def test_what_counts_as_empty(left: dict[str, Any], right: dict[str, Any], same: bool) -> None:
    assert cleaned_verdict(left, right) is same
    assert identical_when_cleaned(left, right) is same


@pytest.mark.parametrize(
    "odd",
    [("x",), MappingProxyType({"x": 1}), frozenset({"x"}), b"x"],
    ids=["tuple", "mapping", "set", "bytes"],
)
def test_values_that_are_not_plain_json_are_left_to_the_full_comparison(odd: object) -> None:
    assert identical_when_cleaned({"a": odd}, {"a": odd}) is False
    assert identical_when_cleaned({"a": [odd]}, {"a": [odd]}) is False


def test_a_connector_comparison_is_what_normalising_both_sides_gives() -> None:
    desired_body = {
        "name": "c",
        "description": "",
        "version": 1,
        "protocol": "http",
        "parameters": {"endpoint": "api.example.com", "n": 3},
        "actions": [{"action_type": "predict", "method": "post", "url": "https://x", "headers": {}}],
    }
    echoed = {
        **desired_body,
        "version": "1",
        "parameters": {"endpoint": "api.example.com", "n": "3"},
        "actions": [{"action_type": "PREDICT", "method": "POST", "url": "https://x"}],
        "client_config": {"max_connection": 30, "retry_backoff_policy": "CONSTANT"},
        "created_time": 1,
    }
    drifted = {**echoed, "parameters": {"endpoint": "api.example.org", "n": "3"}}
    key = ResourceKey(Kind.CONNECTOR, "c")
    desired = DesiredResource(key=key, body=desired_body)
    state = ActualState(resources={})
    for document, changed in ((echoed, False), (drifted, True)):
        got = compare(desired, ActualResource(key, "id1", document), state)
        expected = build_changes(
            normalize_connector(document, access_wanted=False),
            normalize_connector(desired_body, access_wanted=False),
        )
        assert got.changes == expected
        assert bool(expected) is changed
