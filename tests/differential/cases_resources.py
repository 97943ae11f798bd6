"""Scenario steps: cluster settings, model groups, connectors and their refusals."""

from typing import Any

from differential.bodies import TRUSTED, openai_connector
from differential.scenario import Step

ML = "/_plugins/_ml"
MISSING = "noSuchIdAAAAAAAAAAAA"


def _settings(values: dict[str, Any]) -> dict[str, Any]:
    return {"persistent": values}


SETTINGS = [
    Step(
        "settings_put",
        "PUT",
        "/_cluster/settings",
        _settings(
            {
                "plugins.ml_commons.trusted_connector_endpoints_regex": TRUSTED,
                "plugins.ml_commons.connector.private_ip_enabled": True,
                "plugins.ml_commons.only_run_on_ml_node": False,
            }
        ),
    ),
    Step("settings_get_flat", "GET", "/_cluster/settings?flat_settings=true"),
    Step("settings_put_unknown", "PUT", "/_cluster/settings", _settings({"plugins.ml_commons.no_such": 1})),
    Step(
        "settings_put_agent_framework",
        "PUT",
        "/_cluster/settings",
        _settings({"plugins.ml_commons.agent_framework_enabled": True}),
    ),
    Step(
        "settings_put_bad_value",
        "PUT",
        "/_cluster/settings",
        _settings({"plugins.ml_commons.only_run_on_ml_node": "maybe"}),
    ),
]

GROUPS = [
    Step(
        "group_register",
        "POST",
        f"{ML}/model_groups/_register",
        {"name": "diff-group", "description": "first group"},
        capture={"group_a": "model_group_id"},
    ),
    Step("group_register_duplicate", "POST", f"{ML}/model_groups/_register", {"name": "diff-group"}),
    Step("group_register_no_name", "POST", f"{ML}/model_groups/_register", {"description": "no name"}),
    Step(
        "group_register_access_mode",
        "POST",
        f"{ML}/model_groups/_register",
        {"name": "diff-private", "access_mode": "private"},
    ),
    Step(
        "group_register_second",
        "POST",
        f"{ML}/model_groups/_register",
        {"name": "diff-group-b"},
        capture={"group_b": "model_group_id"},
    ),
    Step("group_get", "GET", f"{ML}/model_groups/<<group_a>>"),
    Step("group_get_missing", "GET", f"{ML}/model_groups/{MISSING}"),
    Step(
        "group_search",
        "POST",
        f"{ML}/model_groups/_search",
        {"query": {"term": {"name.keyword": "diff-group"}}},
    ),
    Step("group_update", "PUT", f"{ML}/model_groups/<<group_a>>", {"description": "updated"}),
    Step("group_get_updated", "GET", f"{ML}/model_groups/<<group_a>>"),
    Step("group_update_name_taken", "PUT", f"{ML}/model_groups/<<group_b>>", {"name": "diff-group"}),
    Step("group_update_missing", "PUT", f"{ML}/model_groups/{MISSING}", {"description": "x"}),
    Step("group_delete", "DELETE", f"{ML}/model_groups/<<group_b>>"),
    Step("group_delete_missing", "DELETE", f"{ML}/model_groups/{MISSING}"),
]

CONNECTORS = [
    Step(
        "connector_create",
        "POST",
        f"{ML}/connectors/_create",
        openai_connector(),
        capture={"conn_openai": "connector_id"},
    ),
    Step("connector_get", "GET", f"{ML}/connectors/<<conn_openai>>"),
    Step("connector_get_missing", "GET", f"{ML}/connectors/{MISSING}"),
    Step(
        "connector_search",
        "POST",
        f"{ML}/connectors/_search",
        {"query": {"term": {"name.keyword": "diff-openai"}}},
    ),
    Step("connector_create_empty", "POST", f"{ML}/connectors/_create", {}),
    Step(
        "connector_create_no_protocol",
        "POST",
        f"{ML}/connectors/_create",
        {key: value for key, value in openai_connector().items() if key != "protocol"},
    ),
    Step(
        "connector_create_bad_protocol",
        "POST",
        f"{ML}/connectors/_create",
        openai_connector(protocol="grpc"),
    ),
    Step(
        "connector_create_untrusted",
        "POST",
        f"{ML}/connectors/_create",
        openai_connector(
            actions=[{**openai_connector()["actions"][0], "url": "https://models.example.com/v1/embeddings"}]
        ),
    ),
    Step(
        "connector_create_unknown_field",
        "POST",
        f"{ML}/connectors/_create",
        openai_connector(name="diff-unknown-field", no_such_field={"a": 1}),
        capture={"conn_unknown": "connector_id"},
    ),
    Step(
        "connector_create_sigv4_no_secret",
        "POST",
        f"{ML}/connectors/_create",
        openai_connector(protocol="aws_sigv4", parameters={"region": "us-east-1", "service_name": "bedrock"}),
    ),
    Step("connector_update", "PUT", f"{ML}/connectors/<<conn_openai>>", {"description": "updated"}),
    Step(
        "connector_update_parameters",
        "PUT",
        f"{ML}/connectors/<<conn_openai>>",
        {"parameters": {"dimensions": "8"}},
    ),
    Step("connector_get_updated", "GET", f"{ML}/connectors/<<conn_openai>>"),
    Step("connector_update_empty", "PUT", f"{ML}/connectors/<<conn_openai>>", {}),
    Step("connector_update_missing", "PUT", f"{ML}/connectors/{MISSING}", {"description": "x"}),
    Step("connector_delete_unused", "DELETE", f"{ML}/connectors/<<conn_unknown>>"),
    Step("connector_delete_missing", "DELETE", f"{ML}/connectors/{MISSING}"),
]
