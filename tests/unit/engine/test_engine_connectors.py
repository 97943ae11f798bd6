"""Connectors: create pipeline checks, normalisation, update merge and in-use rules, delete rules."""

from pathlib import Path

import httpx
import pytest
from enginekit import OPENAI_URL, SECRET, connector_body, create_connector, error, ok, register_model

from mlgitops.engine import LocalEngine
from mlgitops.engine.storage.store import MODEL_INDEX
from mlgitops.errors import EngineError
from mlgitops.model.mlcommons import CONNECTOR_ACCESS_DISABLED_MESSAGE, DEFAULT_CLIENT_CONFIG

CONNECTORS = "/_plugins/_ml/connectors"


def _create(client: httpx.Client, **overrides: object) -> httpx.Response:
    return client.post(f"{CONNECTORS}/_create", json=connector_body(**overrides))


def test_get_normalises_and_never_returns_credential(client: httpx.Client) -> None:
    connector_id = create_connector(
        client, parameters={"model": "m", "dims": 8, "opts": {"a": 1}, "none": None}
    )
    doc = ok(client.get(f"{CONNECTORS}/{connector_id}"))
    assert "credential" not in doc
    assert SECRET not in str(doc)
    assert doc["version"] == "1"
    assert doc["parameters"] == {"model": "m", "dims": "8", "opts": '{"a":1}', "none": "null"}
    assert doc["actions"][0]["action_type"] == "PREDICT"
    assert list(doc)[:4] == ["name", "version", "description", "protocol"]
    assert "client_config" not in doc


def test_search_never_returns_credential(client: httpx.Client) -> None:
    create_connector(client)
    result = ok(client.post(f"{CONNECTORS}/_search", json={"query": {"match_all": {}}}))
    assert result["hits"]["total"]["value"] == 1
    assert SECRET not in str(result)
    assert ok(client.get(f"{CONNECTORS}/_search"))["hits"]["total"]["value"] == 1


def test_client_config_defaults_filled(client: httpx.Client) -> None:
    connector_id = create_connector(
        client, client_config={"max_retry_times": 3, "retry_backoff_policy": "CONSTANT"}
    )
    config = ok(client.get(f"{CONNECTORS}/{connector_id}"))["client_config"]
    assert config == {**DEFAULT_CLIENT_CONFIG, "max_retry_times": 3}
    assert error(_create(client, client_config={"retry_backoff_policy": "linear"}), 400) == (
        "Unsupported retry backoff policy"
    )


@pytest.mark.parametrize(
    ("missing", "message"),
    [
        ("name", "Connector name is null"),
        ("version", "Connector version is null"),
        ("protocol", "Connector protocol is null"),
        ("credential", "Connector credential is null or empty list"),
    ],
)
def test_required_fields(client: httpx.Client, missing: str, message: str) -> None:
    body = connector_body()
    del body[missing]
    assert error(client.post(f"{CONNECTORS}/_create", json=body), 400) == message


@pytest.mark.parametrize(
    ("field", "message"),
    [
        ("action_type", "action type can't be null"),
        ("url", "url can't be null"),
        ("method", "method can't be null"),
    ],
)
def test_action_required_fields(client: httpx.Client, field: str, message: str) -> None:
    body = connector_body()
    del body["actions"][0][field]
    assert error(client.post(f"{CONNECTORS}/_create", json=body), 400) == message


def test_unknown_action_type_and_protocol(client: httpx.Client) -> None:
    body = connector_body()
    body["actions"][0]["action_type"] = "train"
    assert error(client.post(f"{CONNECTORS}/_create", json=body), 400) == (
        "No enum constant org.opensearch.ml.common.connector.ConnectorAction.ActionType.TRAIN"
    )
    assert error(_create(client, protocol="grpc"), 400) == "Can't find class for type grpc"


def test_sigv4_checks(client: httpx.Client) -> None:
    url = "https://bedrock-runtime.us-east-1.amazonaws.com/model/x/invoke"
    actions = [{"action_type": "predict", "method": "POST", "url": url, "request_body": "{}"}]
    base = {"protocol": "aws_sigv4", "actions": actions}
    assert error(_create(client, **base, credential={"access_key": "a"}), 400) == "Missing credential"
    creds = {"access_key": "a", "secret_key": "b"}
    assert error(_create(client, **base, credential=creds, parameters={"region": "us-east-1"}), 400) == (
        "Missing service name"
    )
    assert error(_create(client, **base, credential=creds, parameters={"service_name": "bedrock"}), 400) == (
        "Missing region"
    )
    ok(
        _create(
            client,
            **base,
            credential={**creds, "region": "us-east-1"},
            parameters={"service_name": "bedrock"},
        )
    )


def test_trusted_endpoint_after_substitution(client: httpx.Client) -> None:
    action = {**connector_body()["actions"][0], "url": "https://${parameters.host}/v1/embeddings"}
    ok(_create(client, actions=[action], parameters={"host": "api.openai.com"}))
    reason = error(_create(client, actions=[action], parameters={"host": "evil.example.com"}), 400)
    assert reason == (
        "Connector URL is not matching the trusted connector endpoint regex, "
        "URL is: https://evil.example.com/v1/embeddings"
    )
    assert error(_create(client, actions=[]), 400) == "No actions configured for this connector"
    settings = {
        "persistent": {"plugins.ml_commons.trusted_connector_endpoints_regex": [r"^https://evil\..*$"]}
    }
    ok(client.put("/_cluster/settings", json=settings))
    ok(_create(client, actions=[action], parameters={"host": "evil.example.com"}))


def test_access_fields_refused_and_remote_disabled(client: httpx.Client) -> None:
    assert error(_create(client, access_mode="public"), 400) == CONNECTOR_ACCESS_DISABLED_MESSAGE
    ok(
        client.put(
            "/_cluster/settings", json={"transient": {"plugins.ml_commons.remote_inference.enabled": False}}
        )
    )
    assert error(_create(client), 400).startswith("Remote Inference is currently disabled.")


def test_dry_run_and_empty_body(client: httpx.Client) -> None:
    assert ok(_create(client, dry_run=True)) == {"connector_id": "dryRunConnector"}
    assert error(client.post(f"{CONNECTORS}/_create"), 500) == "Create Connector request has empty body"
    assert error(client.post(f"{CONNECTORS}/_create", json={}), 400) == "Connector name is null"
    assert ok(client.get(f"{CONNECTORS}/_search"))["hits"]["total"]["value"] == 0


def test_update_merge_semantics(client: httpx.Client, engine: LocalEngine) -> None:
    connector_id = create_connector(client)
    new_action = {"action_type": "predict", "method": "POST", "url": OPENAI_URL, "request_body": "{}"}
    update = {"description": "new", "parameters": {"extra": 5}, "credential": {}, "actions": [new_action]}
    result = ok(client.put(f"{CONNECTORS}/{connector_id}", json=update))
    assert result["result"] == "updated"
    assert result["_version"] == 2
    doc = ok(client.get(f"{CONNECTORS}/{connector_id}"))
    assert doc["description"] == "new"
    assert doc["parameters"] == {"model": "text-embedding-ada-002", "dimensions": "8", "extra": "5"}
    assert doc["actions"] == [{**new_action, "action_type": "PREDICT"}]
    with engine.store.read() as tx:
        assert engine.vault.load(tx, connector_id)["openAI_key"].get_secret_value() == SECRET
    ok(client.put(f"{CONNECTORS}/{connector_id}", json={"credential": {"openAI_key": "sk-new"}}))
    with engine.store.read() as tx:
        assert engine.vault.load(tx, connector_id)["openAI_key"].get_secret_value() == "sk-new"


def test_update_rechecks_trusted_endpoint(client: httpx.Client) -> None:
    connector_id = create_connector(client)
    action = {"action_type": "predict", "method": "POST", "url": "https://example.com/x"}
    assert error(client.put(f"{CONNECTORS}/{connector_id}", json={"actions": [action]}), 400).startswith(
        "Connector URL is not matching the trusted connector endpoint regex"
    )


def test_update_errors(client: httpx.Client) -> None:
    assert error(client.put(f"{CONNECTORS}/nope", json={"name": "x"}), 404) == (
        "Failed to find connector with the provided connector id: nope"
    )
    connector_id = create_connector(client)
    assert (
        error(client.put(f"{CONNECTORS}/{connector_id}"), 400)
        == "Failed to update connector: Request body is empty"
    )


def test_update_refused_only_while_a_model_is_deployed(client: httpx.Client) -> None:
    connector_id = create_connector(client)
    model_id = register_model(client, connector_id)
    ok(client.put(f"{CONNECTORS}/{connector_id}", json={"description": "registered models do not block"}))
    ok(client.post(f"/_plugins/_ml/models/{model_id}/_deploy"))
    reason = error(client.put(f"{CONNECTORS}/{connector_id}", json={"description": "x"}), 400)
    assert (
        reason == f"1 models are still using this connector, please undeploy the models first: [{model_id}]"
    )
    ok(client.post(f"/_plugins/_ml/models/{model_id}/_undeploy"))
    ok(client.put(f"{CONNECTORS}/{connector_id}", json={"description": "x"}))


def test_delete_refused_while_any_model_references_it(client: httpx.Client, engine: LocalEngine) -> None:
    connector_id = create_connector(client)
    first, second = register_model(client, connector_id), register_model(client, connector_id)
    reason = error(client.delete(f"{CONNECTORS}/{connector_id}"), 409)
    assert reason == (
        f"2 models are still using this connector, please delete or update the models first: "
        f"[{first}, {second}]"
    )
    ok(client.delete(f"/_plugins/_ml/models/{first}"))
    ok(client.delete(f"/_plugins/_ml/models/{second}"))
    assert ok(client.delete(f"{CONNECTORS}/{connector_id}"))["result"] == "deleted"
    assert engine.vault.count() == 0
    assert ok(client.delete(f"{CONNECTORS}/{connector_id}"))["result"] == "not_found"
    assert error(client.get(f"{CONNECTORS}/{connector_id}"), 404).startswith("Failed to find connector")


def test_access_control_with_security_enabled(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MLGITOPS_MASTER_KEY", raising=False)
    with LocalEngine(tmp_path, security_enabled=True) as engine:
        settings = {"persistent": {"plugins.ml_commons.connector_access_control_enabled": True}}
        engine.settings.put(settings)
        connector_id = engine.connectors.create(connector_body(access_mode="public"))["connector_id"]
        assert engine.connectors.get(connector_id)["access"] == "public"
        private = engine.connectors.create(connector_body())["connector_id"]
        assert engine.connectors.get(private)["access"] == "private"
        with pytest.raises(EngineError, match="Admin can't add all backend roles"):
            engine.connectors.create(connector_body(add_all_backend_roles=True))
        with pytest.raises(EngineError, match="at least one backend role"):
            engine.connectors.create(connector_body(access_mode="restricted"))


_EXPECTING_ARRAY = "Failed to parse object: expecting token of type [START_ARRAY] but found"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("parameters", ["a", "b"], "Connector parameters must be an object"),
        ("parameters", "text", "Connector parameters must be an object"),
        ("actions", {"action_type": "predict"}, f"{_EXPECTING_ARRAY} [START_OBJECT]"),
        ("actions", 5, f"{_EXPECTING_ARRAY} [VALUE_NUMBER]"),
        ("credential", ["k", SECRET], "Connector credential must be an object"),
    ],
)
def test_wrongly_typed_sections_are_parse_errors(
    client: httpx.Client, field: str, value: object, message: str
) -> None:
    response = _create(client, **{field: value})
    assert error(response, 400) == message
    assert SECRET not in response.text
    connector_id = create_connector(client)
    assert error(client.put(f"{CONNECTORS}/{connector_id}", json={field: value}), 400) == message


def test_non_ascii_parameters_are_stored_as_gson_writes_them(client: httpx.Client) -> None:
    connector_id = create_connector(client, parameters={"opts": {"city": "Z\u00fcrich"}, "n": 1.5})
    stored = ok(client.get(f"{CONNECTORS}/{connector_id}"))["parameters"]
    assert stored == {"opts": '{"city":"Z\u00fcrich"}', "n": "1.5"}


def test_update_refused_by_a_deployed_model_whose_connector_id_shares_a_term(
    client: httpx.Client, engine: LocalEngine
) -> None:
    """2.19 matches ``connector_id`` as analysed text: ids sharing a term (split at ``-``) block too."""
    first = create_connector(client)
    model_id = register_model(client, first)
    ok(client.post(f"/_plugins/_ml/models/{model_id}/_deploy"))
    second = create_connector(client)
    term = second.lower().split("-")[0]
    with engine.store.write() as tx:
        row = tx.get(MODEL_INDEX, model_id)
        assert row is not None
        tx.put(MODEL_INDEX, model_id, {**row.source, "connector_id": f"other-{term.upper()}"})
    reason = error(client.put(f"{CONNECTORS}/{second}", json={"description": "x"}), 400)
    assert (
        reason == f"1 models are still using this connector, please undeploy the models first: [{model_id}]"
    )
    with engine.store.write() as tx:
        row = tx.get(MODEL_INDEX, model_id)
        assert row is not None
        tx.put(MODEL_INDEX, model_id, {**row.source, "connector_id": "no-term-in-common"})
    ok(client.put(f"{CONNECTORS}/{second}", json={"description": "x"}))
