"""Model groups: registration, unique names, access fields, updates, delete rules."""

from pathlib import Path

import httpx
import pytest
from enginekit import create_connector, error, ok, register_group, register_model

from mlgitops.engine import LocalEngine
from mlgitops.engine.http.transport import EngineTransport
from mlgitops.model.mlcommons import MODEL_ACCESS_DISABLED_MESSAGE

GROUPS = "/_plugins/_ml/model_groups"


def test_register_and_get(client: httpx.Client) -> None:
    body = ok(client.post(f"{GROUPS}/_register", json={"name": "g", "description": "d"}))
    assert body["status"] == "CREATED"
    assert len(body["model_group_id"]) == 20
    group = ok(client.get(f"{GROUPS}/{body['model_group_id']}"))
    assert group["name"] == "g"
    assert group["latest_version"] == 0
    assert group["access"] == "public"
    assert group["description"] == "d"


def test_names_are_unique_and_exact(client: httpx.Client) -> None:
    group_id = register_group(client, "Name")
    reason = error(client.post(f"{GROUPS}/_register", json={"name": "Name"}), 400)
    assert reason == f"The name you provided is already being used by a model group with ID: {group_id}."
    register_group(client, "name")  # case-sensitive: a different name


def test_rename_to_taken_name(client: httpx.Client) -> None:
    first = register_group(client, "first")
    second = register_group(client, "second")
    reason = error(client.put(f"{GROUPS}/{second}", json={"name": "first"}), 400)
    assert reason == (
        f"The name you provided is already being used by another model with ID: {first}. "
        "Please provide a different name"
    )
    assert ok(client.put(f"{GROUPS}/{second}", json={"name": "third"})) == {"status": "Updated"}
    assert ok(client.get(f"{GROUPS}/{second}"))["name"] == "third"


@pytest.mark.parametrize(
    "fields", [{"access_mode": "private"}, {"add_all_backend_roles": False}, {"backend_roles": ["ml"]}]
)
def test_access_fields_refused_without_security(client: httpx.Client, fields: dict[str, object]) -> None:
    assert (
        error(client.post(f"{GROUPS}/_register", json={"name": "g", **fields}), 400)
        == MODEL_ACCESS_DISABLED_MESSAGE
    )


def test_access_fields_with_security(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MLGITOPS_MASTER_KEY", raising=False)
    with (
        LocalEngine(tmp_path, security_enabled=True) as engine,
        httpx.Client(transport=EngineTransport(engine), base_url="http://x") as client,
    ):
        reason = error(client.post(f"{GROUPS}/_register", json={"name": "g", "access_mode": "private"}), 400)
        assert reason == MODEL_ACCESS_DISABLED_MESSAGE  # the ML setting is still off
        ok(
            client.put(
                "/_cluster/settings",
                json={"persistent": {"plugins.ml_commons.model_access_control_enabled": True}},
            )
        )
        group_id = ok(client.post(f"{GROUPS}/_register", json={"name": "g", "backend_roles": ["ml"]}))[
            "model_group_id"
        ]
        assert ok(client.get(f"{GROUPS}/{group_id}"))["access"] == "restricted"
        reason = error(
            client.post(
                f"{GROUPS}/_register", json={"name": "h", "access_mode": "public", "backend_roles": ["x"]}
            ),
            400,
        )
        assert (
            reason == "You can specify backend roles only for a model group with the restricted access mode."
        )


def test_missing_group(client: httpx.Client) -> None:
    reason = error(client.get(f"{GROUPS}/nope"), 404)
    assert reason == "Failed to find model group with the provided model group id: nope"
    assert error(client.put(f"{GROUPS}/nope", json={"name": "x"}), 404).startswith(
        "Failed to find model group"
    )
    deleted = ok(client.delete(f"{GROUPS}/nope"))
    assert deleted["result"] == "not_found"


def test_delete_refused_while_models_exist(client: httpx.Client) -> None:
    group_id = register_group(client)
    model_id = register_model(client, create_connector(client), model_group_id=group_id)
    reason = error(client.delete(f"{GROUPS}/{group_id}"), 409)
    assert reason == "Cannot delete the model group when it has associated model versions"
    ok(client.delete(f"/_plugins/_ml/models/{model_id}"))
    assert ok(client.delete(f"{GROUPS}/{group_id}"))["result"] == "deleted"


def test_search_get_and_post(client: httpx.Client) -> None:
    register_group(client, "alpha")
    register_group(client, "beta")
    query = {"query": {"term": {"name.keyword": "beta"}}}
    for method in ("GET", "POST"):
        hits = ok(client.request(method, f"{GROUPS}/_search", json=query))["hits"]
        assert hits["total"]["value"] == 1
        assert hits["hits"][0]["_source"]["name"] == "beta"
        assert {"_seq_no", "_primary_term", "_version"} <= set(hits["hits"][0])
