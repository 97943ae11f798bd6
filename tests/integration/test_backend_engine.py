"""OpenSearchBackend against the real local engine (in-process transport, SQLite in tmp_path)."""

import json

import pytest
from pydantic import SecretStr

from mlgitops.backends.base import Backend
from mlgitops.backends.opensearch import dependents
from mlgitops.backends.opensearch.reading import FINGERPRINT_SCHEME
from mlgitops.cli.wiring import open_backend
from mlgitops.errors import BackendRejectedError, ConfigError, PlanError
from mlgitops.model.resources import Kind, ResourceKey
from mlgitops.plan.actions import Action, Verb
from mlgitops.plan.state import DesiredResource

SECRET = "sk-test-do-not-leak-4242"
GROUP = ResourceKey(Kind.MODEL_GROUP, "grp")
CONN = ResourceKey(Kind.CONNECTOR, "conn")
MODEL = ResourceKey(Kind.MODEL, "mod")
SETTINGS = ResourceKey(Kind.CLUSTER_SETTINGS, "ml")
SECRETS = {CONN: {"openAI_key": SecretStr(SECRET)}}
CONNECTOR_BODY = {
    "name": "conn",
    "version": "1",
    "protocol": "http",
    "parameters": {"model": "text-embedding-3-small"},
    "actions": [
        {
            "action_type": "predict",
            "method": "POST",
            "url": "https://api.openai.com/v1/embeddings",
            "headers": {"Authorization": "Bearer ${credential.openAI_key}"},
            "request_body": '{"input": ${parameters.input}, "model": "${parameters.model}"}',
        }
    ],
}
MODEL_BODY = {"name": "mod", "function_name": "remote", "model_group": "grp", "connector": "conn"}


def first_run_actions():
    return [
        Action(
            0,
            Verb.CREATE,
            SETTINGS,
            "new",
            body={"persistent": {"plugins.ml_commons.only_run_on_ml_node": False}},
        ),
        Action(1, Verb.CREATE, GROUP, "new", body={"name": "grp", "description": "group"}),
        Action(
            2, Verb.CREATE, CONN, "new", body=CONNECTOR_BODY, secret_digests={"openAI_key": "hmac-sha256:aa"}
        ),
        Action(3, Verb.REGISTER, MODEL, "new", body=MODEL_BODY),
        Action(4, Verb.DEPLOY, MODEL, "deployed: true"),
    ]


def run(backend, actions, secrets=SECRETS):
    ids: dict[ResourceKey, str] = {}
    for action in actions:
        resource_id = backend.apply(action, secrets=secrets, resolve=ids.get)
        if resource_id is not None:
            ids[action.key] = resource_id
    return ids


@pytest.fixture
def backend(tmp_path):
    with open_backend(f"local:{tmp_path / 'engine'}") as opened:
        yield opened


def all_docs(backend, index=".mlgitops"):
    return backend.client.scan_docs(index, {"match_all": {}})


def test_backend_satisfies_the_protocol(backend):
    assert isinstance(backend, Backend)


def test_apply_creates_everything_records_ownership_and_deploys(backend):
    ids = run(backend, first_run_actions())
    state = backend.read_state([])
    assert set(state.resources) == {SETTINGS, GROUP, CONN, MODEL}
    assert {key: state.resources[key].resource_id for key in (GROUP, CONN, MODEL)} == {
        key: ids[key] for key in (GROUP, CONN, MODEL)
    }
    assert state.resources[MODEL].document["model_state"] == "DEPLOYED"
    assert state.resources[MODEL].document["model_group_id"] == ids[GROUP]
    assert state.resources[MODEL].document["connector_id"] == ids[CONN]
    assert state.resources[CONN].record.secret_digests == {"openAI_key": "hmac-sha256:aa"}
    assert state.settings["plugins.ml_commons.only_run_on_ml_node"] in (False, "false")
    assert state.unowned == {}
    # Every intent was closed; the secret is nowhere in our bookkeeping.
    docs = all_docs(backend)
    assert not [doc for doc in docs if doc["_source"].get("type") == "intent"]
    assert SECRET not in json.dumps(docs)


def test_update_connector_with_undeploy_and_redeploy(backend):
    ids = run(backend, first_run_actions())
    changed = CONNECTOR_BODY | {"parameters": {"model": "text-embedding-3-large"}}
    digests = {"openAI_key": "hmac-sha256:bb"}
    run(
        backend,
        [
            Action(0, Verb.UNDEPLOY, MODEL, "connector changes", resource_id=ids[MODEL]),
            Action(
                1,
                Verb.UPDATE,
                CONN,
                "parameters",
                body=changed,
                resource_id=ids[CONN],
                secret_digests=digests,
            ),
            Action(2, Verb.DEPLOY, MODEL, "redeploy", resource_id=ids[MODEL]),
        ],
    )
    state = backend.read_state([])
    assert state.resources[CONN].document["parameters"]["model"] == "text-embedding-3-large"
    assert state.resources[CONN].record.secret_digests == digests
    assert state.resources[MODEL].document["model_state"] == "DEPLOYED"


def test_update_connector_of_a_deployed_model_is_refused_by_the_target(backend):
    ids = run(backend, first_run_actions())
    update = Action(0, Verb.UPDATE, CONN, "x", body={"description": "new"}, resource_id=ids[CONN])
    with pytest.raises(BackendRejectedError, match="undeploy the models first"):
        backend.apply(update, secrets={}, resolve=ids.get)
    assert not [doc for doc in all_docs(backend) if doc["_source"].get("type") == "intent"]


def test_update_model_resolves_references_and_drops_register_only_fields(backend):
    ids = run(backend, first_run_actions())
    body = MODEL_BODY | {"description": "now described"}
    backend.apply(Action(0, Verb.UPDATE, MODEL, "description", body=body), secrets={}, resolve=ids.get)
    document = backend.read_state([]).resources[MODEL].document
    assert document["description"] == "now described"
    assert document["connector_id"] == ids[CONN]


def test_delete_undeploys_first_and_drops_records_in_reverse_order(backend):
    ids = run(backend, first_run_actions())
    run(
        backend,
        [
            Action(0, Verb.DELETE, MODEL, "pruned", resource_id=ids[MODEL]),
            Action(1, Verb.DELETE, CONN, "pruned", resource_id=ids[CONN]),
            Action(2, Verb.DELETE, GROUP, "pruned", resource_id=ids[GROUP]),
        ],
    )
    state = backend.read_state([])
    assert set(state.resources) == {SETTINGS}
    assert backend.client.get_model(ids[MODEL]) is None
    assert backend.client.get_connector(ids[CONN]) is None


def test_replace_creates_before_destroy_and_the_delete_closes_it(backend):
    ids = run(backend, first_run_actions())
    run(
        backend,
        [
            Action(0, Verb.UNDEPLOY, MODEL, "replace", resource_id=ids[MODEL]),
            Action(1, Verb.REPLACE, MODEL, "function_name", body=MODEL_BODY, resource_id=ids[MODEL]),
            Action(2, Verb.DEPLOY, MODEL, "deploy new"),
            Action(3, Verb.DELETE, MODEL, "old copy", resource_id=ids[MODEL]),
        ],
    )
    state = backend.read_state([])
    new_id = state.resources[MODEL].resource_id
    assert new_id != ids[MODEL]
    assert backend.client.get_model(ids[MODEL]) is None
    assert state.resources[MODEL].document["model_state"] == "DEPLOYED"
    assert not [doc for doc in all_docs(backend) if doc["_source"].get("type") == "intent"]


def test_adopt_records_an_existing_unowned_resource(backend):
    group_id = backend.client.register_model_group({"name": "legacy"})
    key = ResourceKey(Kind.MODEL_GROUP, "legacy")
    state = backend.read_state([DesiredResource(key, {"name": "legacy"})])
    assert state.unowned[key].resource_id == group_id
    assert key not in state.resources
    backend.apply(
        Action(0, Verb.ADOPT, key, "--adopt", resource_id=group_id), secrets={}, resolve=lambda k: None
    )
    state = backend.read_state([DesiredResource(key, {"name": "legacy"})])
    assert state.resources[key].resource_id == group_id
    assert state.unowned == {}


def test_unowned_look_alikes_are_reported_and_never_listed_as_owned(backend):
    run(backend, first_run_actions())
    stranger = backend.client.create_connector(CONNECTOR_BODY | {"credential": {"openAI_key": "x"}})
    desired = [
        DesiredResource(CONN, CONNECTOR_BODY),
        DesiredResource(ResourceKey(Kind.CONNECTOR, "other"), CONNECTOR_BODY),
    ]
    state = backend.read_state(desired)
    assert state.resources[CONN].resource_id != stranger
    assert state.unowned[ResourceKey(Kind.CONNECTOR, "other")].resource_id == stranger


def test_fingerprint_is_stable_and_changes_when_the_target_changes(backend):
    ids = run(backend, first_run_actions())
    first = backend.read_state([]).fingerprint
    assert backend.read_state([]).fingerprint == first
    assert first.startswith(f"{FINGERPRINT_SCHEME}:")  # a saved plan's refusal tells schemes apart
    backend.client.update_model_group(ids[GROUP], {"description": "changed behind our back"})
    second = backend.read_state([]).fingerprint
    assert second != first
    backend.client.put_cluster_settings({"persistent": {"plugins.ml_commons.max_model_on_node": 5}})
    assert backend.read_state([]).fingerprint != second


def test_a_missing_reference_is_a_plan_error(backend):
    action = Action(0, Verb.REGISTER, MODEL, "new", body=MODEL_BODY)
    with pytest.raises(PlanError, match="ModelGroup/grp is referenced"):
        backend.apply(action, secrets={}, resolve=lambda key: None)


def test_inline_connector_gets_its_credentials_at_apply_time(backend):
    run(backend, first_run_actions()[:2])
    inline = {k: v for k, v in CONNECTOR_BODY.items() if k != "name"}
    key = ResourceKey(Kind.MODEL, "inline")
    body = {"name": "inline", "function_name": "remote", "model_group": "grp", "connector": inline}
    model_id = backend.apply(
        Action(0, Verb.REGISTER, key, "new", body=body),
        secrets={key: {"openAI_key": SecretStr(SECRET)}},
        resolve=lambda k: None,
    )
    document = backend.client.get_model(model_id)
    assert document["connector"]["parameters"]["model"] == "text-embedding-3-small"
    assert SECRET not in json.dumps(document)


def test_predict_needs_an_owned_model(backend):
    with pytest.raises(ConfigError, match="no model named 'ghost'"):
        backend.predict("ghost", {"parameters": {}})


def test_settings_delete_resets_to_defaults(backend):
    run(backend, first_run_actions()[:1])
    body = {"persistent": {"plugins.ml_commons.only_run_on_ml_node": False}}
    backend.apply(Action(0, Verb.DELETE, SETTINGS, "pruned", body=body), secrets={}, resolve=lambda k: None)
    state = backend.read_state([])
    assert SETTINGS not in state.resources
    assert state.settings["plugins.ml_commons.only_run_on_ml_node"] in (True, "true")


def test_a_protected_resource_is_never_deleted(backend):
    protected = Action(0, Verb.CREATE, GROUP, "new", body={"name": "grp"}, protected=True)
    group_id = backend.apply(protected, secrets={}, resolve=lambda k: None)
    with pytest.raises(PlanError, match="protected"):
        backend.apply(
            Action(1, Verb.DELETE, GROUP, "pruned", resource_id=group_id), secrets={}, resolve=lambda k: None
        )
    assert backend.client.get_model_group(group_id) is not None
    assert backend.read_state([]).resources[GROUP].record.protected
    assert not [doc for doc in all_docs(backend) if doc["_source"].get("type") == "intent"]
    unprotect = Action(2, Verb.UPDATE, GROUP, "unprotect", body={"name": "grp"}, resource_id=group_id)
    backend.apply(unprotect, secrets={}, resolve=lambda k: None)
    backend.apply(
        Action(3, Verb.DELETE, GROUP, "pruned", resource_id=group_id), secrets={}, resolve=lambda k: None
    )
    assert backend.client.get_model_group(group_id) is None


def test_unowned_models_count_only_within_the_desired_group(backend):
    ids = run(backend, first_run_actions()[:3])
    other_group = backend.client.register_model_group({"name": "someone-else"})
    model_id, _ = backend.client.register_model(
        {"name": "mod", "function_name": "remote", "model_group_id": other_group, "connector_id": ids[CONN]}
    )
    assert backend.read_state([DesiredResource(MODEL, MODEL_BODY)]).unowned == {}
    backend.client.register_model(
        {"name": "mod", "function_name": "remote", "model_group_id": ids[GROUP], "connector_id": ids[CONN]}
    )
    found = backend.read_state([DesiredResource(MODEL, MODEL_BODY)]).unowned[MODEL]
    assert found.resource_id != model_id
    assert found.document["model_group_id"] == ids[GROUP]


def test_malformed_bookkeeping_documents_are_ignored_with_a_warning(backend, caplog):
    run(backend, first_run_actions()[1:2])
    backend.client.put_doc(".mlgitops", "record:Bogus:x", {"type": "record", "kind": "Bogus", "name": "x"})
    backend.client.put_doc(".mlgitops", "intent:bad:1", {"type": "intent", "kind": "Nope"})
    bad_verb = {"type": "intent", "kind": "Model", "name": "m", "verb": "frobnicate"}
    backend.client.put_doc(".mlgitops", "intent:bad:2", bad_verb)
    assert set(backend.read_state([]).resources) == {GROUP}
    assert backend.recover().steps == ()
    assert "malformed ownership record record:Bogus:x" in caplog.text
    assert "malformed intent intent:bad:1" in caplog.text
    assert "malformed intent intent:bad:2" in caplog.text


def test_read_all_pipelines_and_agents_in_one_request_per_kind(backend):
    client = backend.client
    for kind in (Kind.INGEST_PIPELINE, Kind.SEARCH_PIPELINE, Kind.AGENT):
        assert dependents.read_all(client, kind) == {}
    client.request("PUT", "/_ingest/pipeline/p1", body={"processors": [{"set": {"field": "a", "value": 1}}]})
    client.request("PUT", "/_search/pipeline/s1", body={"request_processors": []})
    agent_id = client.request("POST", "/_plugins/_ml/agents/_register", body={"name": "a", "type": "flow"})[
        "agent_id"
    ]
    assert dependents.read_all(client, Kind.INGEST_PIPELINE) == {
        "p1": {"processors": [{"set": {"field": "a", "value": 1}}]}
    }
    assert list(dependents.read_all(client, Kind.SEARCH_PIPELINE)) == ["s1"]
    assert dependents.read_all(client, Kind.AGENT)[agent_id]["name"] == "a"
