"""Cluster settings: scopes, flat/nested, defaults, validation of ML settings, effective values."""

from pathlib import Path

import httpx
import pytest
from enginekit import error, ok

from mlgitops.engine import LocalEngine
from mlgitops.model.mlcommons import DEFAULT_TRUSTED_ENDPOINTS_2_19

ML = "plugins.ml_commons."


def test_put_and_get_nested_and_flat(client: httpx.Client) -> None:
    response = ok(
        client.put(
            "/_cluster/settings",
            json={
                "persistent": {
                    "plugins": {"ml_commons": {"only_run_on_ml_node": False}},
                    "cluster.routing.x": "y",
                },
                "transient": {ML + "max_model_on_node": 5},
            },
        )
    )
    assert response["acknowledged"] is True
    assert response["persistent"]["plugins"]["ml_commons"]["only_run_on_ml_node"] == "false"
    flat = ok(client.get("/_cluster/settings", params={"flat_settings": "true"}))
    assert flat["persistent"] == {ML + "only_run_on_ml_node": "false", "cluster.routing.x": "y"}
    assert flat["transient"] == {ML + "max_model_on_node": "5"}
    nested = ok(client.get("/_cluster/settings"))
    assert nested["persistent"]["cluster"]["routing"]["x"] == "y"
    assert "defaults" not in nested


def test_include_defaults_lists_2_19_values(client: httpx.Client) -> None:
    ok(client.put("/_cluster/settings", json={"persistent": {ML + "model_auto_deploy.enable": False}}))
    defaults = ok(
        client.get("/_cluster/settings", params={"include_defaults": "true", "flat_settings": "true"})
    )["defaults"]
    assert defaults[ML + "trusted_connector_endpoints_regex"] == list(DEFAULT_TRUSTED_ENDPOINTS_2_19)
    assert defaults[ML + "connector.private_ip_enabled"] == "false"
    assert ML + "model_auto_deploy.enable" not in defaults


def test_null_resets_and_transient_wins(client: httpx.Client, engine: LocalEngine) -> None:
    ok(
        client.put(
            "/_cluster/settings",
            json={
                "persistent": {ML + "connector.private_ip_enabled": True},
                "transient": {ML + "connector.private_ip_enabled": "false"},
            },
        )
    )
    assert engine.settings.effective()[ML + "connector.private_ip_enabled"] is False
    ok(client.put("/_cluster/settings", json={"transient": {ML + "connector.private_ip_enabled": None}}))
    assert engine.settings.effective()[ML + "connector.private_ip_enabled"] is True
    assert ok(client.get("/_cluster/settings"))["transient"] == {}


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({ML + "no_such_setting": 1}, f"persistent setting [{ML}no_such_setting], not recognized"),
        (
            {ML + "multi_tenancy_enabled": True},
            f"persistent setting [{ML}multi_tenancy_enabled], not dynamically updateable",
        ),
        (
            {ML + "only_run_on_ml_node": "yes"},
            "Failed to parse value [yes] as only [true] or [false] are allowed.",
        ),
        (
            {ML + "max_model_on_node": "many"},
            f"Failed to parse value [many] for setting [{ML}max_model_on_node]",
        ),
    ],
)
def test_invalid_ml_settings(client: httpx.Client, settings: dict[str, object], message: str) -> None:
    assert error(client.put("/_cluster/settings", json={"persistent": settings}), 400) == message
    assert ok(client.get("/_cluster/settings"))["persistent"] == {}


def test_settings_survive_reopen(engine_dir: Path, client: httpx.Client, engine: LocalEngine) -> None:
    ok(
        client.put(
            "/_cluster/settings", json={"persistent": {ML + "trusted_connector_endpoints_regex": "^x$"}}
        )
    )
    engine.close()
    with LocalEngine(engine_dir) as reopened:
        assert reopened.settings.effective()[ML + "trusted_connector_endpoints_regex"] == ["^x$"]


@pytest.mark.parametrize("value", [5, "text", ["a"]])
def test_a_scope_that_is_not_an_object_is_a_parse_error(client: httpx.Client, value: object) -> None:
    response = client.put("/_cluster/settings", json={"persistent": value})
    assert error(response, 400) == "[persistent] settings must be an object"
    assert response.json()["error"]["type"] == "parse_exception"
