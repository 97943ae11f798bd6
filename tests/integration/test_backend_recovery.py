"""Crash recovery from the intent journal: a run stopped after every mutation converges on the next run.

In-process: the client's crash hook raises instead of SIGKILL, the engine is closed and reopened (as a
new process would), and a second run recovers, re-plans (a tiny test planner) and applies.
The real SIGKILL variant through the CLI is tests/integration/test_crash_recovery.py.
"""

import itertools
import time
from typing import Any

from pydantic import SecretStr

from crashkit import Killed, crash_at_every_point, open_mortal_target
from mlgitops.backends.opensearch.records import Bookkeeping, Intent
from mlgitops.backends.opensearch.recovery import SKEW_MS
from mlgitops.model.resources import Kind, ResourceKey
from mlgitops.plan.actions import Action, Verb

SECRET = "sk-recovery-secret-777"
GROUP = ResourceKey(Kind.MODEL_GROUP, "grp")
CONN = ResourceKey(Kind.CONNECTOR, "conn")
MODEL = ResourceKey(Kind.MODEL, "mod")
SETTINGS = ResourceKey(Kind.CLUSTER_SETTINGS, "ml")
CONNECTOR_BODY: dict[str, Any] = {
    "name": "conn",
    "version": "1",
    "protocol": "http",
    "parameters": {"model": "m"},
    "actions": [
        {
            "action_type": "predict",
            "method": "POST",
            "url": "https://api.openai.com/v1/embeddings",
            "headers": {"Authorization": "Bearer ${credential.key}"},
            "request_body": "{}",
        }
    ],
}
DESIRED: dict[ResourceKey, dict[str, Any]] = {
    SETTINGS: {"persistent": {"plugins.ml_commons.only_run_on_ml_node": False}},
    GROUP: {"name": "grp"},
    CONN: CONNECTOR_BODY,
    MODEL: {"name": "mod", "function_name": "remote", "model_group": "grp", "connector": "conn"},
}
SECRETS = {CONN: {"key": SecretStr(SECRET)}}


def mini_plan(backend):
    """The smallest planner: create what has no record, deploy what is not deployed."""
    state = backend.read_state([])
    actions = []
    for index, (key, body) in enumerate(DESIRED.items()):
        if key not in state.resources:
            verb = Verb.REGISTER if key.kind is Kind.MODEL else Verb.CREATE
            actions.append(Action(index, verb, key, "missing", body=body))
    model = state.resources.get(MODEL)
    if model is None or model.document.get("model_state") != "DEPLOYED":
        actions.append(Action(9, Verb.DEPLOY, MODEL, "not deployed"))
    return actions


def run(directory, crash_after, run_id, planner):
    """One run: lock, recover, apply what ``planner`` plans, unlock; returns its mutation count."""
    engine, backend = open_mortal_target(directory, crash_after)
    try:
        lock = backend.acquire_lock(run_id, "test@host")
        backend.recover()
        ids: dict[ResourceKey, str] = {}
        for action in planner(backend):
            found = backend.apply(action, secrets=SECRETS, resolve=ids.get)
            if found and action.verb is not Verb.DELETE:
                ids[action.key] = found
        backend.release_lock(lock.lock_id)
        return backend.client._mutations
    finally:
        backend.close()
        engine.close()


def reconcile(directory, crash_after=None):
    return run(directory, crash_after, "run", mini_plan)


def inventory(directory):
    engine, backend = open_mortal_target(directory)
    try:
        client = backend.client
        everything: dict[str, Any] = {"match_all": {}}
        listing = {
            Kind.MODEL_GROUP: client.search_model_groups(everything),
            Kind.CONNECTOR: client.search_connectors(everything),
            Kind.MODEL: client.search_models(everything),
        }
        state = backend.read_state([])
        docs = client.scan_docs(".mlgitops", everything)
        return listing, state, docs
    finally:
        backend.close()
        engine.close()


def assert_converged(directory):
    listing, state, docs = inventory(directory)
    for kind, hits in listing.items():
        assert len(hits) == 1, f"{kind}: {len(hits)} copies (duplicates or orphans)"
        owned = [resource.resource_id for key, resource in state.resources.items() if key.kind is kind]
        assert [hit["_id"] for hit in hits] == owned, f"{kind}: unowned resource left"
    assert set(state.resources) == set(DESIRED)
    assert state.resources[MODEL].document["model_state"] == "DEPLOYED"
    assert [doc["_id"] for doc in docs if doc["_source"]["type"] in ("intent", "lock")] == []
    assert mini_plan_is_empty(directory)


def mini_plan_is_empty(directory):
    engine, backend = open_mortal_target(directory)
    try:
        return mini_plan(backend) == []
    finally:
        backend.close()
        engine.close()


def test_a_clean_run_converges(tmp_path):
    mutations = reconcile(tmp_path)
    assert mutations > 10
    assert_converged(tmp_path)


def test_crash_after_every_mutation_then_rerun_converges(tmp_path):
    assert reconcile(tmp_path / "count") > 8
    assert crash_at_every_point(tmp_path, reconcile, assert_converged) > 8


def journal_create(backend, run_id, time_ms):
    intent = Intent(f"intent:{run_id}:1", run_id, 1, "create", CONN, "conn", time_ms)
    Bookkeeping(backend.client).write_intent(intent)


def test_repeated_crashes_leave_no_duplicates(tmp_path):
    # Two runs each journalled and created the connector, then died before writing its record.
    engine, backend = open_mortal_target(tmp_path)
    try:
        for run_id in ("run-1", "run-2"):
            journal_create(backend, run_id, int(time.time() * 1000))
            backend.client.create_connector(CONNECTOR_BODY | {"credential": {"key": SECRET}})
    finally:
        backend.close()
        engine.close()
    listing, _, _ = inventory(tmp_path)
    assert len(listing[Kind.CONNECTOR]) == 2
    reconcile(tmp_path)
    assert_converged(tmp_path)


def test_recovery_never_touches_a_look_alike_older_than_the_intent(tmp_path):
    engine, backend = open_mortal_target(tmp_path)
    try:
        stranger = backend.client.create_connector(CONNECTOR_BODY | {"credential": {"key": "theirs"}})
        later = int(time.time() * 1000) + 2 * SKEW_MS
        journal_create(backend, "run-1", later)
        assert backend.recover().steps == ()
        assert backend.read_state([]).resources == {}
        assert backend.client.get_connector(stranger) is not None
    finally:
        backend.close()
        engine.close()


def test_a_delete_interrupted_after_the_resource_went_drops_the_record(tmp_path):
    reconcile(tmp_path)
    engine, backend = open_mortal_target(tmp_path)
    try:
        group_id = backend.read_state([]).resources[GROUP].resource_id
        model_id = backend.read_state([]).resources[MODEL].resource_id
        intent = Intent(
            "intent:run-9:1", "run-9", 1, "delete", MODEL, "mod", int(time.time() * 1000), model_id
        )
        Bookkeeping(backend.client).write_intent(intent)
        backend.client.undeploy_model(model_id)
        backend.client.delete_model(model_id)
        report = backend.recover()
        assert any("dropped the record" in step for step in report.steps)
        assert MODEL not in backend.read_state([]).resources
        assert GROUP in backend.read_state([]).resources and group_id
    finally:
        backend.close()
        engine.close()


MODEL_V2 = DESIRED[MODEL] | {"description": "v2"}


def replace_plan(backend):
    """Replace the model when its description differs (create before destroy), else deploy if needed."""
    model = backend.read_state([]).resources[MODEL]
    if model.document.get("description") != "v2":
        old = model.resource_id
        return [
            Action(0, Verb.UNDEPLOY, MODEL, "replace", resource_id=old),
            Action(1, Verb.REPLACE, MODEL, "replace", body=MODEL_V2, resource_id=old),
            Action(2, Verb.DEPLOY, MODEL, "deploy the replacement"),
            Action(3, Verb.DELETE, MODEL, "old copy", resource_id=old),
        ]
    if model.document.get("model_state") != "DEPLOYED":
        return [Action(0, Verb.DEPLOY, MODEL, "not deployed", resource_id=model.resource_id)]
    return []


def replace_run(directory, crash_after=None):
    return run(directory, crash_after, "run-replace", replace_plan)


def test_crash_at_every_point_of_a_replace_converges(tmp_path):
    reconcile(tmp_path / "count")
    assert replace_run(tmp_path / "count") > 4
    for point in itertools.count(1):
        directory = tmp_path / f"crash-{point}"
        reconcile(directory)
        try:
            replace_run(directory, crash_after=point)
        except Killed:
            replace_run(directory)
        else:
            assert point > 4  # every point up to the end of the run was crashed at
            break
        listing, state, docs = inventory(directory)
        assert len(listing[Kind.MODEL]) == 1, f"crash at {point}: {len(listing[Kind.MODEL])} models"
        assert listing[Kind.MODEL][0]["_id"] == state.resources[MODEL].resource_id
        assert state.resources[MODEL].document["description"] == "v2"
        assert state.resources[MODEL].document["model_state"] == "DEPLOYED"
        assert [doc["_id"] for doc in docs if doc["_source"]["type"] in ("intent", "lock")] == []
