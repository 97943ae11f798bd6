"""A fresh cluster's known refusals: retried by their exact error only; racing requests are ordered."""

# mypy: allow-untyped-defs, allow-untyped-calls

import threading
import time

import httpx
import pytest

from mlgitops.backends.opensearch import transients
from mlgitops.backends.opensearch.client import MLCommonsClient
from mlgitops.errors import BackendTransientError, BackendUnavailableError

MASTER_KEY = "No shard available for [get [.plugins-ml-config][master_key]: routing [null]]"
GROUP_CONFLICT = "Failed to update data object in index .plugins-ml-model-group"
ML = "/_plugins/_ml"


def envelope(status, reason, kind):
    body = {"error": {"root_cause": [{"type": kind, "reason": reason}], "type": kind, "reason": reason}}
    return httpx.Response(status, json=body | {"status": status})


def master_key_refusal():
    return envelope(503, MASTER_KEY, "no_shard_available_action_exception")


def make(handler):
    sleeps: list[float] = []
    client = MLCommonsClient(
        httpx.Client(transport=httpx.MockTransport(handler), base_url="http://target"), sleep=sleeps.append
    )
    return client, sleeps


def refuse_then_answer(refusal, refusals, answer):
    calls: list[str] = []

    def handler(request):
        calls.append(f"{request.method} {request.url.path}")
        return refusal() if len(calls) <= refusals else httpx.Response(200, json=answer)

    return handler, calls


def test_a_connector_create_racing_the_master_key_is_sent_again_until_the_key_exists():
    handler, calls = refuse_then_answer(master_key_refusal, 2, {"connector_id": "c1"})
    client, sleeps = make(handler)
    assert client.create_connector({"name": "c"}) == "c1"
    assert calls == [f"POST {ML}/connectors/_create"] * 3
    assert len(sleeps) == 2


def test_a_connector_create_meeting_the_key_being_written_is_sent_again():
    reason = "The ML encryption master key has not been initialized yet. Please retry after waiting for 10s."
    handler, calls = refuse_then_answer(
        lambda: envelope(404, reason, "resource_not_found_exception"), 1, {"connector_id": "c1"}
    )
    client, _ = make(handler)
    assert client.create_connector({"name": "c"}) == "c1"
    assert len(calls) == 2


def test_a_register_losing_the_model_group_version_race_is_sent_again():
    handler, calls = refuse_then_answer(
        lambda: envelope(500, GROUP_CONFLICT, "status_exception"), 1, {"model_id": "m1", "task_id": "t1"}
    )
    client, _ = make(handler)
    assert client.register_model({"name": "m", "model_group_id": "g1"}) == ("m1", "t1")
    assert len(calls) == 2


@pytest.mark.parametrize(
    ("status", "reason", "kind"),
    [
        (503, "No shard available for [search [.plugins-ml-config]]", "no_shard_available_action_exception"),
        (503, "node is shutting down", "node_closed_exception"),
        (500, "Failed to update data object in index .plugins-ml-model", "status_exception"),
        (500, GROUP_CONFLICT, "illegal_state_exception"),
        (502, MASTER_KEY, "no_shard_available_action_exception"),
    ],
)
def test_any_other_server_error_on_a_create_is_never_replayed(status, reason, kind):
    handler, calls = refuse_then_answer(lambda: envelope(status, reason, kind), 99, {})
    client, sleeps = make(handler)
    with pytest.raises(BackendUnavailableError) as caught:
        client.create_connector({"name": "c"})
    assert not isinstance(caught.value, BackendTransientError)
    assert len(calls) == 1 and sleeps == []


def test_a_refusal_that_outlasts_the_retries_is_a_transient_error_naming_the_race():
    handler, calls = refuse_then_answer(master_key_refusal, 99, {})
    client, sleeps = make(handler)
    with pytest.raises(BackendTransientError) as caught:
        client.create_connector({"name": "c"})
    assert len(calls) == transients.TRANSIENT_RETRY.attempts
    assert "master key not created yet; still refused" in str(caught.value)
    assert caught.value.status == 503
    assert 5 < sum(sleeps) < 60


def test_reads_of_a_shard_that_has_not_started_are_retried():
    refusal = "No shard available for [get [.mlgitops][record:Model:m]: routing [null]]"
    handler, calls = refuse_then_answer(
        lambda: envelope(503, refusal, "no_shard_available_action_exception"),
        3,
        {"_id": "record:Model:m", "found": False},
    )
    client, _ = make(handler)
    assert client.get_doc(".mlgitops", "record:Model:m") is None
    assert len(calls) == 4


def concurrency_probe(path_suffix, answer, delay=0.05):
    """A handler that records the most requests ending in ``path_suffix`` in flight at once, per group."""
    guard = threading.Lock()
    in_flight: dict[str, int] = {}
    peak: dict[str, int] = {}

    def handler(request):
        if not request.url.path.endswith(path_suffix):
            return httpx.Response(200, json={})
        group = request.read().decode()
        with guard:
            in_flight[group] = in_flight.get(group, 0) + 1
            peak[group] = max(peak.get(group, 0), in_flight[group])
        time.sleep(delay)
        with guard:
            in_flight[group] -= 1
        return httpx.Response(200, json=answer)

    return handler, peak


def run_threads(count, target):
    threads = [threading.Thread(target=target, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def test_registers_into_one_model_group_never_overlap_while_other_groups_run_alongside():
    handler, peak = concurrency_probe("/models/_register", {"model_id": "m", "task_id": "t"})
    client, _ = make(handler)
    run_threads(6, lambda index: client.register_model({"model_group_id": f"g{index % 2}"}))
    assert peak == {'{"model_group_id":"g0"}': 1, '{"model_group_id":"g1"}': 1}


def test_the_first_connector_create_runs_alone_and_later_ones_in_parallel():
    spans: list[tuple[float, float]] = []

    def handler(request):
        start = time.monotonic()
        time.sleep(0.1)
        spans.append((start, time.monotonic()))
        return httpx.Response(200, json={"connector_id": "c"})

    client, _ = make(handler)
    run_threads(4, lambda index: client.create_connector({}))
    first, *waiting = sorted(spans)
    assert all(start >= first[1] for start, _ in waiting)  # nothing overlaps the first create
    assert max(start for start, _ in waiting) < min(end for _, end in waiting)  # the 3 waiting ones overlap
    spans.clear()
    run_threads(4, lambda index: client.create_connector({}))
    assert max(start for start, _ in spans) < min(end for _, end in spans)


def index_server(created_ack, health_answers):
    calls: list[str] = []
    health = list(health_answers)

    def handler(request):
        calls.append(f"{request.method} {request.url.path}?{request.url.query.decode()}")
        if request.method == "HEAD":
            return httpx.Response(404)
        if request.method == "PUT" and request.url.path == "/.mlgitops":
            return httpx.Response(200, json={"acknowledged": True, "shards_acknowledged": created_ack})
        if request.url.path.startswith("/_cluster/health"):
            status, body = health.pop(0)
            return httpx.Response(status, json=body)
        return httpx.Response(201, json={"result": "created"})

    return handler, calls


def test_the_first_write_creates_the_index_and_waits_for_its_shard_once():
    handler, calls = index_server(True, [])
    client, _ = make(handler)
    client.create_doc(".mlgitops", "digest-key", {"key": "k"})
    client.put_doc(".mlgitops", "lock", {"holder": "me"})
    assert calls == [
        "HEAD /.mlgitops?",
        "PUT /.mlgitops?wait_for_active_shards=1&timeout=20s",
        "PUT /.mlgitops/_create/digest-key?refresh=true",
        "PUT /.mlgitops/_doc/lock?refresh=true",
    ]


def test_an_index_that_just_served_a_document_is_written_without_a_check():
    calls: list[str] = []

    def handler(request):
        calls.append(f"{request.method} {request.url.path}")
        if request.method == "GET":
            return httpx.Response(200, json={"_id": "digest-key", "found": True, "_source": {"key": "k"}})
        return httpx.Response(201, json={"result": "created"})

    client, _ = make(handler)
    assert client.get_doc(".mlgitops", "digest-key") is not None
    client.create_doc(".mlgitops", "lock", {"holder": "me"})
    assert calls == ["GET /.mlgitops/_doc/digest-key", "PUT /.mlgitops/_create/lock"]


def test_an_index_whose_shard_is_slow_to_start_is_polled_until_healthy():
    slow = [(408, {"status": "red", "timed_out": True}), (200, {"status": "yellow", "timed_out": False})]
    handler, calls = index_server(False, slow)
    client, _ = make(handler)
    client.create_doc(".mlgitops", "digest-key", {"key": "k"})
    health = [call for call in calls if call.startswith("GET /_cluster/health/.mlgitops")]
    assert len(health) == 2
    assert calls[-1] == "PUT /.mlgitops/_create/digest-key?refresh=true"
