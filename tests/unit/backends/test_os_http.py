"""Retry policy, error reasons, mutation classification and the test-only crash hook."""

import httpx
import pytest

from mlgitops.backends.opensearch import http
from mlgitops.backends.opensearch.client import MLCommonsClient


def test_backoff_is_exponential_capped_and_jittered():
    policy = http.RetryPolicy(attempts=10, base_seconds=1.0, cap_seconds=10.0)
    assert policy.delay(1, rng=lambda: 1.0) == 1.0
    assert policy.delay(3, rng=lambda: 1.0) == 4.0
    assert policy.delay(8, rng=lambda: 1.0) == 10.0
    assert policy.delay(3, rng=lambda: 0.0) == 2.0


def test_retry_after_wins_but_is_capped():
    policy = http.RetryPolicy(cap_seconds=5.0)
    assert policy.delay(1, retry_after=2.5) == 2.5
    assert policy.delay(1, retry_after=600) == 5.0


def test_retry_after_header_parsing():
    assert http.retry_after_seconds(httpx.Response(429, headers={"Retry-After": "7"})) == 7.0
    assert http.retry_after_seconds(httpx.Response(429, headers={"Retry-After": "Wed, 21 Oct"})) is None
    assert http.retry_after_seconds(None) is None


def test_error_reason_prefers_the_opensearch_envelope_then_raw_text():
    body = {"error": {"type": "m_l_validation_exception", "reason": "bad"}, "status": 500}
    assert http.error_reason(httpx.Response(500, json=body)) == "bad (m_l_validation_exception)"
    assert http.error_reason(httpx.Response(400, json={"error": "plain"})) == "plain"
    assert http.error_reason(httpx.Response(502, text="upstream down")) == "upstream down"
    assert len(http.error_reason(httpx.Response(400, text="y" * 999))) == http.MAX_BODY_CHARS


@pytest.mark.parametrize(
    ("method", "path", "mutating"),
    [
        ("GET", "/_plugins/_ml/models/x", False),
        ("POST", "/_plugins/_ml/models/_search", False),
        ("POST", "/_plugins/_ml/models/x/_predict", False),
        ("POST", "/_plugins/_ml/_predict/text_embedding/x", False),
        ("POST", "/_plugins/_ml/models/_register", True),
        ("POST", "/_plugins/_ml/models/x/_deploy", True),
        ("PUT", "/.mlgitops/_doc/lock", True),
        ("DELETE", "/_plugins/_ml/connectors/c", True),
    ],
)
def test_mutations_are_the_requests_that_change_the_target(method, path, mutating):
    assert http.is_mutation(method, path) is mutating


def test_crash_hook_env_parsing():
    assert http.crash_after_from_env({http.CRASH_AFTER_MUTATION_ENV: "3"}) == 3
    assert http.crash_after_from_env({http.CRASH_AFTER_MUTATION_ENV: "0"}) is None
    assert http.crash_after_from_env({http.CRASH_AFTER_MUTATION_ENV: "x"}) is None
    assert http.crash_after_from_env({}) is None


class SimulatedCrashError(Exception):
    pass


def test_the_client_crashes_right_after_the_nth_successful_mutation():
    seen = []

    def handler(request):
        seen.append(request.url.path)
        return httpx.Response(200, json={"model_group_id": "g", "hits": {"hits": []}})

    def crash():
        raise SimulatedCrashError

    transport = httpx.MockTransport(handler)
    client = MLCommonsClient(
        httpx.Client(transport=transport, base_url="http://t"), crash_after_mutation=2, crash=crash
    )
    client.search_models({"match_all": {}})
    client.register_model_group({"name": "a"})
    client.get_model_group("g")
    with pytest.raises(SimulatedCrashError):
        client.register_model_group({"name": "b"})
    assert seen.count("/_plugins/_ml/model_groups/_register") == 2
