"""The REST router: paths, methods, errors, JSON parsing rules, cluster info."""

import httpx
from enginekit import SECRET, create_connector, error, ok, register_model

from mlgitops.engine import LocalEngine
from mlgitops.engine.http.routes import Call


def test_cluster_info(client: httpx.Client) -> None:
    info = ok(client.get("/"))
    assert info["version"]["number"] == "2.19.0"
    assert info["version"]["distribution"] == "opensearch"
    assert client.head("/").status_code == 200


def test_unknown_path_and_wrong_method(client: httpx.Client) -> None:
    unknown = client.get("/_plugins/_ml/nothing/here")
    assert (unknown.status_code, unknown.json()) == (
        400,
        {"error": "no handler found for uri [/_plugins/_ml/nothing/here] and method [GET]"},
    )
    wrong = client.delete("/_cluster/settings")
    assert (wrong.status_code, wrong.json()["error"]) == (
        405,
        "Incorrect HTTP method for uri [/_cluster/settings] and method [DELETE], allowed: [GET, PUT]",
    )
    literal = client.delete("/_plugins/_ml/connectors/_search")  # not the connector with id "_search"
    assert literal.json()["error"].endswith("allowed: [GET, POST]")


def test_json_with_comments_is_accepted(client: httpx.Client) -> None:
    body = b'{\n // a comment\n "name": "g", /* another */ "description": "a // not a comment"\n}'
    group_id = ok(client.post("/_plugins/_ml/model_groups/_register", content=body))["model_group_id"]
    assert ok(client.get(f"/_plugins/_ml/model_groups/{group_id}"))["description"] == "a // not a comment"


def test_duplicate_keys_and_bad_json_are_rejected(client: httpx.Client) -> None:
    response = client.post("/_plugins/_ml/model_groups/_register", content=b'{"name": "a", "name": "b"}')
    assert error(response, 400).startswith("Duplicate field 'name'\n at [Source: REDACTED")
    assert error(response, 400).endswith("line: 1, column: 21]")  # just after the repeated key
    assert response.json()["error"]["type"] == "json_parse_exception"
    bad = client.post("/_plugins/_ml/model_groups/_register", content=b'{"name": ')
    assert error(bad, 400).endswith("line: 1, column: 10]")
    assert bad.json()["error"]["type"] == "json_parse_exception"
    array = client.post("/_plugins/_ml/model_groups/_register", content=b"\n  [1]")
    assert (
        error(array, 400)
        == "Failed to parse object: expecting token of type [START_OBJECT] but found [START_ARRAY]"
    )
    assert (array.json()["error"]["line"], array.json()["error"]["col"]) == (2, 3)


def test_aliases_and_trailing_slashes(client: httpx.Client) -> None:
    model_id = register_model(client, create_connector(client))
    assert ok(client.post(f"/_plugins/_ml/models/{model_id}/_load"))["task_type"] == "DEPLOY_MODEL"
    assert ok(client.get(f"/_plugins/_ml/models/{model_id}/"))["model_state"] == "DEPLOYING"
    assert ok(client.get(f"/_plugins/_ml/models/{model_id}/"))["model_state"] == "DEPLOYED"
    unloaded = ok(client.post(f"/_plugins/_ml/models/{model_id}/_unload"))
    assert list(unloaded.values()) == [{"stats": {model_id: "undeployed"}}]
    body = {"query": {"ids": {"values": [model_id]}}}
    hits = ok(client.post("/_plugins/_ml/models/_search/", json=body))["hits"]["hits"]
    assert [hit["_id"] for hit in hits] == [model_id]
    uploaded = ok(
        client.post(
            "/_plugins/_ml/models/_upload",
            json={"name": "u", "function_name": "remote", "connector_id": create_connector(client)},
        )
    )
    assert ok(client.get(f"/_plugins/_ml/models/{uploaded['model_id']}"))["model_state"] == "REGISTERED"


def test_search_query_dsl(client: httpx.Client) -> None:
    first = register_model(client, create_connector(client), name="alpha model")
    register_model(client, create_connector(client), name="beta")
    query = {
        "query": {
            "bool": {
                "must": [{"match": {"name": "alpha"}}],
                "must_not": [{"term": {"name": "beta"}}],
                "should": [{"exists": {"field": "connector_id"}}],
            }
        }
    }
    hits = ok(client.post("/_plugins/_ml/models/_search", json=query))["hits"]["hits"]
    assert [hit["_id"] for hit in hits] == [first]
    assert error(client.post("/_plugins/_ml/models/_search", json={"query": {"fuzzy": {}}}), 400) == (
        "unknown query [fuzzy]"
    )


def test_a_routed_call_never_shows_its_body(engine: LocalEngine) -> None:
    call = Call(engine, {}, {}, {"credential": {"openAI_key": SECRET}})
    assert SECRET not in repr(call)
    assert call.json == {"credential": {"openAI_key": SECRET}}


def test_a_wrongly_typed_field_is_located_at_its_value(client: httpx.Client) -> None:
    body = b'{"name": "g",\n  "rate_limiter": null, "function_name": "remote", "connector_id": "c"}'
    response = client.post("/_plugins/_ml/models/_register", content=body)
    assert error(response, 400).endswith("but found [VALUE_NULL]")
    assert (response.json()["error"]["line"], response.json()["error"]["col"]) == (2, 19)


def test_cluster_health_for_the_cluster_and_an_index(client: httpx.Client) -> None:
    assert ok(client.get("/_cluster/health"))["status"] == "green"
    ok(client.put("/.mlgitops/_doc/a", json={"x": 1}))
    health = ok(
        client.get("/_cluster/health/.mlgitops", params={"wait_for_status": "yellow", "timeout": "20s"})
    )
    assert (health["status"], health["timed_out"], health["active_primary_shards"]) == ("green", False, 1)
    assert error(client.get("/_cluster/health/.missing"), 404) == "no such index [.missing]"
