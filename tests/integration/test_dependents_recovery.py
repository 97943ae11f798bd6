"""Crash recovery for pipelines and agents: a run stopped after every mutation converges on the next run.

A pipeline has no timestamps and its id is its name, so a pipeline left by a crashed create (no
record yet) is adopted; an agent left without a record is adopted, its duplicates deleted.
"""

# mypy: allow-untyped-defs, allow-untyped-calls
from typing import Any

from crashkit import crash_at_every_point, open_mortal_target
from mlgitops.backends.opensearch.dependents import read_all
from mlgitops.model.resources import Kind, ResourceKey
from mlgitops.plan.actions import Action, Verb
from mlgitops.plan.state import DesiredResource

PIPE = ResourceKey(Kind.INGEST_PIPELINE, "embed")
AGENT = ResourceKey(Kind.AGENT, "helper")
DESIRED: dict[ResourceKey, dict[str, Any]] = {
    PIPE: {"processors": [{"ml_inference": {"model_id": "some-model", "input_map": [{"input": "text"}]}}]},
    AGENT: {
        "name": "helper",
        "type": "flow",
        "tools": [{"type": "MLModelTool", "parameters": {"model_id": "x"}}],
    },
}


def reconcile(directory, crash_after=None) -> int:
    engine, backend = open_mortal_target(directory, crash_after)
    try:
        lock = backend.acquire_lock("run", "test@host")
        backend.recover()
        state = backend.read_state([DesiredResource(key, body) for key, body in DESIRED.items()])
        # What an interrupted run created is adopted by the recovery, never left as a name clash.
        assert state.unowned == {}, f"left unowned: {sorted(map(str, state.unowned))}"
        for index, (key, body) in enumerate(DESIRED.items()):
            if key not in state.resources:
                verb = Verb.REGISTER if key.kind is Kind.AGENT else Verb.CREATE
                backend.apply(
                    Action(index, verb, key, "missing", body=body), secrets={}, resolve=lambda _k: None
                )
        backend.release_lock(lock.lock_id)
        return int(backend.client._mutations)
    finally:
        backend.close()
        engine.close()


def assert_converged(directory) -> None:
    engine, backend = open_mortal_target(directory)
    try:
        state = backend.read_state([])
        assert set(state.resources) == set(DESIRED)
        for key in DESIRED:
            present = read_all(backend.client, key.kind)
            assert list(present) == [state.resources[key].resource_id], f"{key}: duplicates or orphans"
        docs = backend.client.scan_docs(".mlgitops", {"match_all": {}})
        assert [doc["_id"] for doc in docs if doc["_source"]["type"] in ("intent", "lock")] == []
    finally:
        backend.close()
        engine.close()


def test_crash_after_every_mutation_then_rerun_converges(tmp_path):
    assert reconcile(tmp_path / "count") > 6
    assert_converged(tmp_path / "count")
    assert crash_at_every_point(tmp_path, reconcile, assert_converged) > 6
