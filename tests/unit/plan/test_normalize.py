"""Normalisers: what ML Commons echoes back compares equal to what was sent."""

# mypy: allow-untyped-defs, allow-untyped-calls

import copy

from mlgitops.model.mlcommons import DEFAULT_CLIENT_CONFIG
from mlgitops.model.resources import Kind
from mlgitops.plan.normalize import (
    drop_empty,
    normalize_client_config,
    normalize_connector,
    normalize_group,
    normalize_model,
    normalize_parameters,
    normalize_setting,
    parse_json_string,
)


def name_of(kind: Kind, resource_id: str) -> str:
    return {"g1": "group", "c1": "conn"}.get(resource_id, f"id:{resource_id}")


def test_parameters_are_strings_with_json_compared_parsed():
    sent = normalize_parameters(
        {"n": 8000, "flag": True, "obj": {"b": 1, "a": [1, 2]}, "none": None, "s": "x"}
    )
    echoed = normalize_parameters(
        {"n": "8000", "flag": "true", "obj": '{"a":[1,2],"b":1}', "none": "null", "s": "x"}
    )
    assert sent == echoed
    assert sent["obj"] == {"a": [1, 2], "b": 1}


def test_json_strings_parse_only_when_valid():
    assert parse_json_string('{"a": 1}') == {"a": 1}
    assert parse_json_string('{"a": ${parameters.x}}') == '{"a": ${parameters.x}}'
    assert parse_json_string("plain") == "plain"


def test_client_config_defaults_fill_both_sides():
    assert normalize_client_config(None) == DEFAULT_CLIENT_CONFIG
    filled = normalize_client_config({"max_connection": 5, "retry_backoff_policy": "CONSTANT"})
    assert filled["max_connection"] == 5 and filled["read_timeout"] == 30000
    assert filled["retry_backoff_policy"] == "constant"


def test_connector_echo_matches():
    sent = {
        "name": "c",
        "version": 1,
        "protocol": "http",
        "actions": [{"action_type": "predict", "method": "post", "url": "u", "request_body": '{"a": 1}'}],
        "description": "",
    }
    echoed = {
        "name": "c",
        "version": "1",
        "protocol": "http",
        "actions": [{"action_type": "PREDICT", "method": "POST", "url": "u", "request_body": '{ "a":1 }'}],
        "client_config": dict(DEFAULT_CLIENT_CONFIG),
        "owner": {"name": "x"},
        "access": "public",
        "created_time": 1,
        "last_updated_time": 2,
        "tenant_id": "t",
    }
    assert normalize_connector(sent, access_wanted=False) == normalize_connector(echoed, access_wanted=False)


def test_access_compared_only_when_wanted():
    echoed = {"name": "g", "access": "private", "latest_version": 2}
    assert normalize_group(echoed, access_wanted=False) == {"name": "g"}
    assert normalize_group(echoed, access_wanted=True) == {"name": "g", "access_mode": "private"}


def test_model_ids_become_names_and_server_fields_drop():
    wanted = {"name": "m", "model_group": "group", "connector": "conn"}
    echoed = {
        "name": "m",
        "model_group_id": "g1",
        "connector_id": "c1",
        "algorithm": "REMOTE",
        "model_state": "DEPLOYED",
        "is_enabled": True,
        "interface": {"input": '{"type":"object"}'},
        "deploy_setting": {"is_auto_deploy_enabled": False, "model_ttl_minutes": -1},
    }
    assert normalize_model(echoed, wanted=wanted, name_of=name_of) == wanted
    unknown = normalize_model({"connector_id": "zz"}, wanted=wanted, name_of=name_of)
    assert unknown == {"connector": "id:zz"}


def test_model_interface_and_rate_limiter_compare_semantically():
    wanted = normalize_model(
        {"interface": {"input": {"type": "object"}}, "rate_limiter": {"limit": 4, "unit": "minutes"}},
        wanted={"interface": 1, "rate_limiter": 1},
        name_of=name_of,
    )
    echoed = normalize_model(
        {"interface": {"input": '{"type": "object"}'}, "rate_limiter": {"limit": "4", "unit": "MINUTES"}},
        wanted=wanted,
        name_of=name_of,
    )
    assert echoed == wanted


def test_deploy_setting_compares_desired_keys_only():
    wanted = {"deploy_setting": {"is_auto_deploy_enabled": True}}
    echoed = {"deploy_setting": {"is_auto_deploy_enabled": True, "model_ttl_minutes": -1}}
    assert normalize_model(echoed, wanted=wanted, name_of=name_of) == wanted


def test_settings_and_empty_values():
    assert normalize_setting(True) == "true"
    assert normalize_setting([1, "a"]) == ["1", "a"]
    assert normalize_setting(3) == "3"
    assert drop_empty({"a": None, "b": "", "c": {}, "d": [], "e": {"f": None}, "g": [0]}) == {"g": [0]}


def test_the_neutral_rate_limiter_reads_as_none():
    from mlgitops.model.mlcommons import NEUTRAL_RATE_LIMITER

    actual = normalize_model({"rate_limiter": dict(NEUTRAL_RATE_LIMITER)}, wanted={}, name_of=name_of)
    assert "rate_limiter" not in actual
    kept = normalize_model({"rate_limiter": {"limit": 4, "unit": "minutes"}}, wanted={}, name_of=name_of)
    assert kept["rate_limiter"] == {"limit": "4", "unit": "MINUTES"}


def test_interface_keys_the_manifest_leaves_out_are_not_compared():
    wanted = {"interface": {"output": {"type": "object"}}}
    actual = {"interface": {"input": '{"type": "string"}', "output": '{"type": "object"}'}}
    assert normalize_model(actual, wanted=wanted, name_of=name_of)["interface"] == {
        "output": {"type": "object"}
    }


def containers(value):
    """Every dict and list inside ``value`` (itself included)."""
    if isinstance(value, dict):
        yield value
        for item in value.values():
            yield from containers(item)
    elif isinstance(value, list):
        yield value
        for item in value:
            yield from containers(item)


def clear_all(value):
    for container in list(containers(value)):
        container.clear()


def test_normalised_bodies_share_nothing_with_the_parse_cache():
    """JSON held in strings is parsed once per text; what the planner gets back is its own to change."""
    connector = {
        "name": "c",
        "parameters": {"schema": '{"type": "object", "required": ["input"]}', "limits": {"n": [1, 2]}},
        "actions": [{"action_type": "predict", "method": "post", "request_body": '{"input": ["${x}"]}'}],
    }
    model = {
        "name": "m",
        "interface": {"input": '{"type": "object", "properties": {"a": {"type": "string"}}}'},
    }
    wanted = {"name": "m", "interface": {"input": {}}}
    for normalize in (
        lambda: normalize_connector(connector, access_wanted=False),
        lambda: normalize_model(model, wanted=wanted, name_of=name_of),
        lambda: normalize_model({"connector": connector}, wanted={"connector": 1}, name_of=name_of),
    ):
        first, second = normalize(), normalize()
        expected = copy.deepcopy(first)
        assert first == second
        assert {id(item) for item in containers(first)}.isdisjoint(id(item) for item in containers(second))
        clear_all(first)
        assert second == expected
        assert normalize() == expected
