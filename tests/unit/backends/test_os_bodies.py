"""Apply-time request bodies: references resolved, credentials filled, update fields filtered."""

import pytest
from pydantic import SecretStr

from mlgitops.backends.opensearch import bodies
from mlgitops.errors import PlanError
from mlgitops.model.resources import Kind, ResourceKey

IDS = {ResourceKey(Kind.MODEL_GROUP, "grp"): "g1", ResourceKey(Kind.CONNECTOR, "conn"): "c1"}


def test_model_references_become_ids_and_function_name_defaults():
    body = bodies.build_model_body({"name": "m", "model_group": "grp", "connector": "conn"}, None, IDS.get)
    assert body == {"name": "m", "model_group_id": "g1", "connector_id": "c1", "function_name": "remote"}


def test_update_keeps_only_updatable_fields():
    body = {"name": "m", "function_name": "remote", "connector": "conn", "is_enabled": False}
    assert bodies.build_model_body(body, None, IDS.get, update=True) == {
        "name": "m",
        "connector_id": "c1",
        "is_enabled": False,
    }


def test_inline_connector_gets_the_credential_and_the_input_is_untouched():
    inline = {"protocol": "http", "actions": []}
    source = {"name": "m", "connector": inline}
    body = bodies.build_model_body(source, {"key": SecretStr("s3cret")}, IDS.get)
    assert body["connector"]["credential"] == {"key": "s3cret"}
    assert "credential" not in inline


def test_unknown_reference_is_a_plan_error():
    with pytest.raises(PlanError, match="Connector/missing is referenced"):
        bodies.build_model_body({"name": "m", "connector": "missing"}, None, IDS.get)


def test_connector_credential_only_when_given():
    assert bodies.with_credential({"name": "c"}, None) == {"name": "c"}
    assert bodies.with_credential({"name": "c"}, {"k": SecretStr("v")})["credential"] == {"k": "v"}


def test_ml_name_and_settings_reset():
    key = ResourceKey(Kind.CONNECTOR, "logical")
    assert bodies.ml_name(key, {"name": "Server Name"}) == "Server Name"
    assert bodies.ml_name(key, None) == "logical"
    reset = bodies.reset_settings({"persistent": {"plugins.ml_commons.a": 1}, "other": 2})
    assert reset == {"persistent": {"plugins.ml_commons.a": None}}
