"""Predict failures: ML Commons' request errors, remote errors, retries, timeouts and secret redaction."""

import logging
import socket
from collections.abc import Callable
from typing import Any

import executorkit as kit
import httpcore
import httpx
import pytest

from mlgitops.engine.executor import remote, run_predict
from mlgitops.engine.executor.predict import PreparedConnector
from mlgitops.errors import EngineError, RemoteModelError
from mlgitops.standin import StandinServer

WRONG_KEY = "sk-wrong-SECRET-1234567890"


def with_client_config(connector: dict[str, Any], **config: Any) -> dict[str, Any]:
    return {**connector, "client_config": config}


def test_unfilled_placeholder_is_refused_before_any_call(standin: StandinServer, settings) -> None:
    with pytest.raises(
        EngineError, match=r"^Some parameter placeholder not filled in payload: message$"
    ) as err:
        run_predict(kit.cohere_chat(standin.url), kit.COHERE_CREDS, {"parameters": {}}, settings=settings)
    assert err.value.status == 400
    assert standin.requests == []


def test_skip_validating_missing_parameters_sends_the_literal(standin: StandinServer, settings) -> None:
    request = {"parameters": {"skip_validating_missing_parameters": "true"}}
    run_predict(kit.cohere_chat(standin.url), kit.COHERE_CREDS, request, settings=settings)
    assert standin.requests[0].json()["message"] == "${parameters.message}"


def test_payload_that_is_not_json_is_invalid(standin: StandinServer, settings) -> None:
    with pytest.raises(
        EngineError, match=r"^Invalid payload: \{ \"model\": \"gpt-3.5-turbo\", \"messages\": \$\{"
    ):
        run_predict(kit.openai_chat(standin.url), kit.OPENAI_CREDS, {"parameters": {}}, settings=settings)
    assert standin.requests == []


def test_default_trusted_endpoints_refuse_a_loopback_url(standin: StandinServer) -> None:
    with pytest.raises(
        EngineError, match=r"^Connector URL is not matching the trusted connector endpoint regex$"
    ):
        run_predict(kit.openai_embedding(standin.url), kit.OPENAI_CREDS, {"text_docs": ["x"]}, settings={})
    assert standin.requests == []


def test_trusted_regex_applies_to_the_url_after_runtime_substitution(
    standin: StandinServer, settings
) -> None:
    connector = kit.openai_chat(standin.url)
    request = {"parameters": {"endpoint": "evil.example.com", "messages": []}}
    with pytest.raises(EngineError, match="trusted connector endpoint regex"):
        run_predict(connector, kit.OPENAI_CREDS, request, settings=settings)


def test_private_ip_refused_without_the_setting(standin: StandinServer, settings) -> None:
    settings = {**settings, "plugins.ml_commons.connector.private_ip_enabled": False}
    with pytest.raises(
        EngineError, match=r"^Remote inference host name has private ip address: 127\.0\.0\.1$"
    ) as err:
        run_predict(
            kit.openai_embedding(standin.url), kit.OPENAI_CREDS, {"text_docs": ["x"]}, settings=settings
        )
    assert err.value.status == 400
    assert standin.requests == []


def test_retries_on_5xx_then_succeeds(standin: StandinServer, settings) -> None:
    standin.fail_next(503, times=2)
    connector = with_client_config(
        kit.openai_embedding(standin.url), max_retry_times=3, retry_backoff_millis=1
    )
    result = run_predict(connector, kit.OPENAI_CREDS, {"text_docs": ["x"]}, settings=settings)
    assert len(standin.requests) == 3
    assert result["inference_results"][0]["status_code"] == 200


@pytest.mark.parametrize("policy", ["constant", "exponential_equal_jitter", "exponential_full_jitter"])
def test_retries_stop_after_max_retry_times(standin: StandinServer, settings, policy) -> None:
    standin.fail_next(429, times=5)
    connector = with_client_config(
        kit.openai_embedding(standin.url),
        max_retry_times=2,
        retry_backoff_millis=1,
        retry_backoff_policy=policy,
    )
    with pytest.raises(RemoteModelError, match=r"^Error from remote service: .*injected failure 429") as err:
        run_predict(connector, kit.OPENAI_CREDS, {"text_docs": ["x"]}, settings=settings)
    assert err.value.status == 429
    assert len(standin.requests) == 3


def test_no_client_config_means_no_retry(standin: StandinServer, settings) -> None:
    standin.fail_next(500)
    with pytest.raises(RemoteModelError) as err:
        run_predict(
            kit.openai_embedding(standin.url), kit.OPENAI_CREDS, {"text_docs": ["x"]}, settings=settings
        )
    assert err.value.status == 500
    assert len(standin.requests) == 1


def test_client_errors_are_not_retried(standin: StandinServer, settings) -> None:
    standin.fail_next(400, times=3)
    connector = with_client_config(
        kit.openai_embedding(standin.url), max_retry_times=-1, retry_backoff_millis=1
    )
    with pytest.raises(RemoteModelError):
        run_predict(connector, kit.OPENAI_CREDS, {"text_docs": ["x"]}, settings=settings)
    assert len(standin.requests) == 1


def test_read_timeout_fails_the_call(standin: StandinServer, settings) -> None:
    standin.delay = 30
    connector = with_client_config(kit.openai_embedding(standin.url), read_timeout=0.2)
    with pytest.raises(RemoteModelError, match=r"^Error communicating with remote model: ") as err:
        run_predict(connector, kit.OPENAI_CREDS, {"text_docs": ["x"]}, settings=settings)
    assert err.value.status == 500


def test_connection_refused_is_a_communication_error(settings) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(RemoteModelError, match=r"^Error communicating with remote model: "):
        run_predict(
            kit.openai_embedding(f"http://127.0.0.1:{port}"),
            kit.OPENAI_CREDS,
            {"text_docs": ["x"]},
            settings=settings,
        )


def test_wrong_aws_secret_is_refused_by_the_signature_check(standin: StandinServer, settings) -> None:
    creds = {**kit.AWS_CREDS, "secret_key": "not-the-secret-key-xyz"}
    with pytest.raises(RemoteModelError, match="signature we calculated does not match") as err:
        run_predict(kit.bedrock_titan(standin.url), creds, {"text_docs": ["x"]}, settings=settings)
    assert err.value.status == 403
    assert "not-the-secret-key-xyz" not in str(err.value)


def test_an_echoed_api_key_is_redacted_from_errors_and_logs(standin: StandinServer, settings, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    with pytest.raises(RemoteModelError) as err:
        run_predict(
            kit.openai_embedding(standin.url),
            {"openAI_key": WRONG_KEY},
            {"text_docs": ["x"]},
            settings=settings,
        )
    assert err.value.status == 401
    assert WRONG_KEY in standin.requests[0].body.decode() + standin.requests[0].headers["authorization"]
    assert "Incorrect API key provided: ***" in str(err.value)
    assert WRONG_KEY not in str(err.value)
    assert WRONG_KEY not in caplog.text


def test_missing_sigv4_credential_and_scope(standin: StandinServer, settings) -> None:
    with pytest.raises(EngineError, match=r"^Missing credential$"):
        run_predict(
            kit.bedrock_titan(standin.url), {"access_key": "a"}, {"text_docs": ["x"]}, settings=settings
        )
    connector = kit.bedrock_titan(standin.url)
    connector["parameters"] = {"model": "m", "service_name": "bedrock"}
    with pytest.raises(EngineError, match=r"^Missing region$"):
        run_predict(connector, kit.AWS_CREDS, {"text_docs": ["x"]}, settings=settings)


class MockPool:
    """A stand-in connection pool: shows each request to ``handler`` as httpx would and sends its answer."""

    def __init__(self, handler: Callable[[httpx.Request], httpx.Response]) -> None:
        self.handler = handler

    def __enter__(self) -> "MockPool":
        return self

    def __exit__(self, *_exc: object) -> None:
        return None

    def handle_request(self, request: httpcore.Request) -> httpcore.Response:
        url = request.url
        seen = httpx.Request(
            request.method.decode(),
            f"{url.scheme.decode()}://{url.host.decode()}:{url.port}{url.target.decode()}",
            headers=request.headers,
            content=b"".join(request.stream),  # type: ignore[arg-type]
        )
        answer = self.handler(seen)
        return httpcore.Response(answer.status_code, headers=answer.headers.raw, content=answer.content)


class OnePool:
    """Pools handing out one given pool, whatever the private-address policy."""

    def __init__(self, pool: MockPool) -> None:
        self.given = pool

    def pool(self, *, allow_private: bool) -> MockPool:
        return self.given


def mock_client(status: int, content: bytes, headers: dict[str, str] | None = None) -> OnePool:
    answer = httpx.Response(status, content=content, headers=headers)
    return OnePool(MockPool(lambda _req: answer))


def test_empty_2xx_body_is_a_502(settings) -> None:
    with pytest.raises(RemoteModelError, match=r"^Remote service returned empty response body$") as err:
        run_predict(
            kit.openai_embedding("http://127.0.0.1:9"),
            kit.OPENAI_CREDS,
            {"text_docs": ["x"]},
            settings=settings,
            pools=mock_client(200, b"  "),
        )
    assert err.value.status == 502


def test_redirects_are_not_followed(settings) -> None:
    client = mock_client(302, b"moved", {"Location": "http://127.0.0.1:9/elsewhere"}).given
    with pytest.raises(RemoteModelError, match=r"^Error from remote service: moved$") as err:
        run_predict(
            kit.openai_embedding("http://127.0.0.1:9"),
            kit.OPENAI_CREDS,
            {"text_docs": ["x"]},
            settings=settings,
            pools=OnePool(client),
        )
    assert err.value.status == 302


def test_long_error_bodies_are_truncated(settings) -> None:
    client = mock_client(500, b"x" * 1000).given
    with pytest.raises(RemoteModelError) as err:
        run_predict(
            kit.openai_embedding("http://127.0.0.1:9"),
            kit.OPENAI_CREDS,
            {"text_docs": ["x"]},
            settings=settings,
            pools=OnePool(client),
        )
    assert str(err.value) == "Error from remote service: " + "x" * 256


def test_non_json_success_is_wrapped_as_a_response_string(settings) -> None:
    connector = kit.cohere_chat("http://127.0.0.1:9")
    client = mock_client(200, b"plain text answer").given
    result = run_predict(
        connector,
        kit.COHERE_CREDS,
        {"parameters": {"message": "m"}},
        settings=settings,
        pools=OnePool(client),
    )
    assert result["inference_results"][0]["output"] == [
        {"name": "response", "dataAsMap": {"response": "plain text answer"}}
    ]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"method": "PUT"}, "^unsupported http method$"),
        ({"url": "ftp://127.0.0.1/x"}, "^Protocol is not http or https: ftp$"),
        ({"url": "http:///nohost"}, "^Encountered error when trying to create uri from endpoint"),
        ({"action_type": "BATCH_PREDICT"}, "^no PREDICT action found$"),
        ({"request_body": None}, "^Content-Length is 0. Aborting request to remote model$"),
        (
            {"post_process_function": "return params.data.stream().map(x -> x);"},
            r"^Unsupported Painless construct lambda '->' \(expected ','\) at line 1, column 35$",
        ),
    ],
)
def test_request_problems_are_engine_errors(settings, change, message) -> None:
    connector = kit.cohere_chat("http://127.0.0.1:9")
    connector["actions"][0].update(change)
    client = mock_client(200, b'{"data": []}').given
    with pytest.raises(EngineError, match=message) as err:
        run_predict(
            connector,
            kit.COHERE_CREDS,
            {"parameters": {"message": "m"}},
            settings=settings,
            pools=OnePool(client),
        )
    assert err.value.status == 400


def test_a_credential_with_a_newline_never_reaches_the_wire_or_the_error(settings) -> None:
    client = mock_client(200, b"{}").given
    creds = {"cohere_key": "line1\nSECRETPART"}
    with pytest.raises(EngineError, match=r"^Header value contains invalid control character$") as err:
        run_predict(
            kit.cohere_chat("http://127.0.0.1:9"),
            creds,
            {"parameters": {"message": "m"}},
            settings=settings,
            pools=OnePool(client),
        )
    assert "SECRETPART" not in str(err.value)


def test_charset_parameter_encodes_the_body(settings) -> None:
    sent: list[bytes] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request.content)
        return httpx.Response(200, json={"text": "ok"})

    request = {"parameters": {"message": "caf\u00e9", "charset": "latin-1"}}
    with MockPool(handler) as client:
        run_predict(
            kit.cohere_chat("http://127.0.0.1:9"),
            kit.COHERE_CREDS,
            request,
            settings=settings,
            pools=OnePool(client),
        )
        with pytest.raises(EngineError, match=r"^Unsupported charset: nope$"):
            bad = {"parameters": {"message": "m", "charset": "nope"}}
            run_predict(
                kit.cohere_chat("http://127.0.0.1:9"),
                kit.COHERE_CREDS,
                bad,
                settings=settings,
                pools=OnePool(client),
            )
    assert sent == ['{ "message": "caf\u00e9", "model": "command" }'.encode("latin-1")]


def scripted_client(outcomes: list[object], calls: list[httpx.Request]) -> MockPool:
    """A pool whose successive calls raise or answer the given outcomes in order."""

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        outcome = outcomes[min(len(calls), len(outcomes)) - 1]
        if isinstance(outcome, Exception):
            raise outcome
        assert isinstance(outcome, httpx.Response)
        return outcome

    return MockPool(handler)


def test_connection_errors_and_aws_throttling_are_retried(settings) -> None:
    calls: list[httpx.Request] = []
    throttled = httpx.Response(
        400, json={"message": "slow down"}, headers={"x-amzn-ErrorType": "ThrottlingException"}
    )
    outcomes = [httpcore.ConnectError("refused"), throttled, httpx.Response(200, json={"text": "ok"})]
    connector = with_client_config(
        kit.cohere_chat("http://127.0.0.1:9"), max_retry_times=5, retry_backoff_millis=1
    )
    with scripted_client(outcomes, calls) as client:
        result = run_predict(
            connector,
            kit.COHERE_CREDS,
            {"parameters": {"message": "m"}},
            settings=settings,
            pools=OnePool(client),
        )
    assert len(calls) == 3
    assert result["inference_results"][0]["output"][0]["dataAsMap"] == {"text": "ok"}


def test_unlimited_retries_stop_at_the_retry_timeout(settings) -> None:
    calls: list[httpx.Request] = []
    connector = with_client_config(
        kit.cohere_chat("http://127.0.0.1:9"),
        max_retry_times=-1,
        retry_backoff_millis=50,
        retry_timeout_seconds=0,
    )
    with (
        scripted_client([httpx.Response(503, text="busy")], calls) as client,
        pytest.raises(RemoteModelError) as err,
    ):
        run_predict(
            connector,
            kit.COHERE_CREDS,
            {"parameters": {"message": "m"}},
            settings=settings,
            pools=OnePool(client),
        )
    assert err.value.status == 503
    assert len(calls) == 1


def test_a_non_ascii_credential_is_refused_without_echoing_it(settings) -> None:
    client = mock_client(200, b"{}").given
    creds = {"cohere_key": "k\u00e9y-SECRETPART"}
    with pytest.raises(EngineError, match=r"^Header value contains a non-ASCII character$") as err:
        run_predict(
            kit.cohere_chat("http://127.0.0.1:9"),
            creds,
            {"parameters": {"message": "m"}},
            settings=settings,
            pools=OnePool(client),
        )
    assert "SECRETPART" not in repr(err.value.args)
    assert err.value.__cause__ is None and err.value.__context__ is None


def test_an_outgoing_request_never_shows_its_headers_body_or_signer() -> None:
    request = remote.RemoteRequest(
        "POST", "https://x/y", {"Authorization": "Bearer SECRETPART"}, b"SECRETBODY", lambda h: h
    )
    assert "SECRETPART" not in repr(request)
    assert "SECRETBODY" not in repr(request)
    assert "https://x/y" in repr(request)


def test_a_prepared_connector_never_shows_its_credentials_or_headers() -> None:
    prepared = PreparedConnector(kit.cohere_chat("http://127.0.0.1:9"), {"cohere_key": "SECRETPART"})
    assert prepared.headers()["Authorization"] == "Bearer SECRETPART"
    assert "SECRETPART" not in repr(prepared)
