"""MLCommonsClient over httpx.MockTransport: error mapping, retries, not_found deletes, task polling."""

import json

import httpx
import pytest

from mlgitops.backends.opensearch.client import MLCommonsClient
from mlgitops.backends.opensearch.http import RetryPolicy
from mlgitops.errors import (
    BackendAuthError,
    BackendConflictError,
    BackendError,
    BackendNotFoundError,
    BackendRejectedError,
    BackendUnavailableError,
)


def envelope(status, reason, kind="status_exception"):
    body = {"error": {"root_cause": [{"type": kind, "reason": reason}], "type": kind, "reason": reason}}
    return httpx.Response(status, json=body | {"status": status})


def make(handler, attempts=4):
    sleeps: list[float] = []
    client = MLCommonsClient(
        httpx.Client(transport=httpx.MockTransport(handler), base_url="http://target"),
        retry=RetryPolicy(attempts=attempts, base_seconds=1.0, cap_seconds=8.0),
        sleep=sleeps.append,
    )
    return client, sleeps


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (400, BackendRejectedError),
        (401, BackendAuthError),
        (403, BackendAuthError),
        (404, BackendNotFoundError),
        (409, BackendConflictError),
        (422, BackendRejectedError),
    ],
)
def test_http_errors_map_to_backend_errors_with_the_servers_reason(status, error):
    client, sleeps = make(lambda request: envelope(status, "You cannot do that"))
    with pytest.raises(error) as caught:
        client.update_connector("abc", {"name": "x"})
    assert caught.value.status == status
    assert "You cannot do that (status_exception)" in str(caught.value)
    assert "PUT /_plugins/_ml/connectors/abc" in str(caught.value)
    assert sleeps == []


def test_error_bodies_are_truncated_and_request_bodies_never_echoed():
    client, _ = make(lambda request: httpx.Response(400, text="x" * 5000))
    with pytest.raises(BackendRejectedError) as caught:
        client.create_connector({"name": "c", "credential": {"key": "sk-very-secret"}})
    message = str(caught.value)
    assert len(message) < 400
    assert "sk-very-secret" not in message


def test_5xx_on_idempotent_requests_is_retried_with_capped_backoff():
    calls = []

    def handler(request):
        calls.append(request)
        return envelope(503, "busy") if len(calls) < 4 else httpx.Response(200, json={"name": "g"})

    client, sleeps = make(handler, attempts=5)
    assert client.get_model_group("g1") == {"name": "g"}
    assert len(calls) == 4
    assert len(sleeps) == 3
    assert all(0.5 <= pause <= 8.0 for pause in sleeps)
    assert 1.0 <= sleeps[2] <= 4.0  # third retry: ceiling 4 s, jitter keeps at least half


def test_retries_stop_after_the_policy_and_raise_the_last_error():
    client, sleeps = make(lambda request: envelope(502, "bad gateway"), attempts=3)
    with pytest.raises(BackendUnavailableError, match="bad gateway"):
        client.get_connector("c1")
    assert len(sleeps) == 2


def test_429_honours_retry_after_even_for_creates():
    answers = iter(
        [
            httpx.Response(429, headers={"Retry-After": "3"}, json={}),
            httpx.Response(200, json={"connector_id": "c9"}),
        ]
    )
    client, sleeps = make(lambda request: next(answers))
    assert client.create_connector({"name": "c"}) == "c9"
    assert sleeps == [3.0]


def test_create_is_not_replayed_after_an_ambiguous_5xx():
    calls = []

    def handler(request):
        calls.append(request)
        return envelope(500, "internal")

    client, sleeps = make(handler)
    with pytest.raises(BackendUnavailableError):
        client.register_model_group({"name": "g"})
    assert len(calls) == 1
    assert sleeps == []


def test_connection_errors_are_retried_then_reported():
    calls = []

    def handler(request):
        calls.append(request)
        raise httpx.ConnectError("connection refused")

    client, _ = make(handler, attempts=2)
    with pytest.raises(BackendUnavailableError, match=r"cannot reach http://target: connection refused"):
        client.create_connector({"name": "c"})
    assert len(calls) == 2


def test_timeouts_are_retryable_for_gets():
    answers = iter([httpx.ReadTimeout("slow"), httpx.Response(200, json={"name": "m"})])

    def handler(request):
        answer = next(answers)
        if isinstance(answer, Exception):
            raise answer
        return answer

    client, sleeps = make(handler)
    assert client.get_model("m1") == {"name": "m"}
    assert len(sleeps) == 1


def test_deletes_answering_not_found_count_as_done():
    def handler(request):
        if "connectors" in request.url.path:
            return httpx.Response(200, json={"_id": "c1", "result": "not_found"})
        if "models" in request.url.path:
            return envelope(404, "Failed to find model")
        return httpx.Response(200, json={"_id": "g1", "result": "deleted"})

    client, _ = make(handler)
    assert client.delete_connector("c1") is False
    assert client.delete_model("m1") is False
    assert client.delete_model_group("g1") is True


def test_get_returns_none_for_missing_resources():
    client, _ = make(lambda request: envelope(404, "Failed to find connector"))
    assert client.get_connector("nope") is None
    assert client.get_doc(".mlgitops", "record:Model:x") is None


def test_wait_for_task_accepts_completed_at_first_poll():
    client, sleeps = make(lambda request: httpx.Response(200, json={"state": "COMPLETED", "model_id": "m1"}))
    assert client.wait_for_task("t1")["model_id"] == "m1"
    assert sleeps == []


def test_wait_for_task_polls_with_backoff_until_done():
    states = iter(["CREATED", "RUNNING", "RUNNING", "COMPLETED"])
    client, sleeps = make(lambda request: httpx.Response(200, json={"state": next(states)}))
    assert client.wait_for_task("t1")["state"] == "COMPLETED"
    assert sleeps == sorted(sleeps) and len(sleeps) == 3 and sleeps[1] == 2 * sleeps[0]


def test_wait_for_task_reports_failure_and_timeout():
    client, _ = make(
        lambda request: httpx.Response(200, json={"state": "FAILED", "error": "no eligible node"})
    )
    with pytest.raises(BackendRejectedError, match="no eligible node"):
        client.wait_for_task("t1")
    now = [0.0]
    slow = MLCommonsClient(
        httpx.Client(
            transport=httpx.MockTransport(lambda r: httpx.Response(200, json={"state": "RUNNING"})),
            base_url="http://target",
        ),
        sleep=lambda pause: now.__setitem__(0, now[0] + pause),
        clock=lambda: now[0],
    )
    with pytest.raises(BackendUnavailableError, match="still RUNNING after 2s"):
        slow.wait_for_task("t1", timeout=2.0)


def test_document_api_paths_and_optimistic_concurrency():
    seen = []

    def handler(request):
        seen.append((request.method, request.url.raw_path.decode(), json.loads(request.content or b"null")))
        return httpx.Response(201, json={"result": "created"})

    client, _ = make(handler)
    client.put_doc(".mlgitops", "record:Model:m", {"a": 1}, if_seq_no=3, if_primary_term=1)
    client.create_doc(".mlgitops", "lock", {"b": 2})
    assert seen.pop(0) == ("HEAD", "/.mlgitops", None)  # the index exists: used as it is
    assert seen[0][0] == "PUT"
    assert seen[0][1].startswith("/.mlgitops/_doc/record:Model:m?")
    assert "if_seq_no=3" in seen[0][1] and "if_primary_term=1" in seen[0][1]
    assert seen[1][1].startswith("/.mlgitops/_create/lock")


def test_search_of_a_missing_index_is_empty():
    client, _ = make(lambda request: envelope(404, "no such index [.mlgitops]", "index_not_found_exception"))
    assert client.scan_docs(".mlgitops", {"match_all": {}}) == []


def test_non_json_success_is_an_error():
    client, _ = make(lambda request: httpx.Response(200, text="<html>proxy</html>"))
    with pytest.raises(BackendError, match="not JSON"):
        client.info()


def test_version_from_cluster_info():
    client, _ = make(lambda request: httpx.Response(200, json={"version": {"number": "2.19.1"}}))
    assert client.version() == "2.19.1"
    odd, _ = make(lambda request: httpx.Response(200, json={"tagline": "not opensearch"}))
    with pytest.raises(BackendError, match="did not report a version"):
        odd.version()
