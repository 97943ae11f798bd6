"""The stand-in model server: provider shapes, Bearer auth, SigV4 verification, fault injection."""

import datetime as dt
import hashlib
import json
from collections.abc import Iterator

import httpx
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from mlgitops.standin import DEMO_AWS_ACCESS_KEY, DEMO_AWS_SECRET_KEY, StandinServer
from mlgitops.standin.models import embed
from mlgitops.standin.sigv4 import SignatureError, verify_sigv4


@pytest.fixture
def server() -> Iterator[StandinServer]:
    with StandinServer(api_keys={"openai": "k-openai", "cohere": "k-cohere"}, dimension=4) as running:
        yield running


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def signed(
    url: str,
    body: bytes,
    *,
    service: str = "bedrock",
    secret: str = DEMO_AWS_SECRET_KEY,
    access: str = DEMO_AWS_ACCESS_KEY,
    token: str | None = None,
) -> dict[str, str]:
    """Headers signed independently with botocore (not through mlgitops' executor)."""
    request = AWSRequest(method="POST", url=url, data=body, headers={"Content-Type": "application/json"})
    SigV4Auth(Credentials(access, secret, token), service, "us-east-1").add_auth(request)
    return dict(request.headers.items())


def test_embeddings_are_deterministic_and_sized() -> None:
    assert embed("x", 5) == embed("x", 5)
    assert embed("x", 5) != embed("y", 5)
    assert len(embed("x", 20)) == 20
    assert all(-1 <= v < 1 for v in embed("x", 20))


def test_openai_chat_and_embeddings(server: StandinServer) -> None:
    chat = httpx.post(
        f"{server.url}/v1/chat/completions",
        json={
            "model": "gpt-4o",
            "messages": [{"role": "system", "content": "s"}, {"role": "user", "content": "hi"}],
        },
        headers=bearer("k-openai"),
    )
    assert chat.status_code == 200
    assert chat.json()["choices"][0]["message"] == {"role": "assistant", "content": "Stand-in reply to: hi"}
    assert chat.json()["model"] == "gpt-4o"
    emb = httpx.post(
        f"{server.url}/v1/embeddings", json={"input": ["a", "b"]}, headers=bearer("k-openai")
    ).json()
    assert [item["embedding"] for item in emb["data"]] == [embed("a", 4), embed("b", 4)]
    assert [item["index"] for item in emb["data"]] == [0, 1]


def test_cohere_embed_chat_and_rerank(server: StandinServer) -> None:
    auth = bearer("k-cohere")
    out = httpx.post(f"{server.url}/v1/embed", json={"texts": ["a"]}, headers=auth).json()
    assert out["embeddings"] == [embed("a", 4)]
    assert httpx.post(f"{server.url}/v1/chat", json={"message": "m"}, headers=auth).json()["text"] == (
        "Stand-in reply to: m"
    )
    results = httpx.post(
        f"{server.url}/v1/rerank", json={"query": "q", "documents": ["a", "b", "c"], "top_n": 2}, headers=auth
    ).json()["results"]
    assert len(results) == 2
    assert results[0]["relevance_score"] >= results[1]["relevance_score"]


@pytest.mark.parametrize(
    ("path", "key"), [("/v1/embeddings", "k-cohere"), ("/v1/embed", "k-openai"), ("/v1/embed", "")]
)
def test_bearer_keys_are_checked_per_provider(server: StandinServer, path: str, key: str | None) -> None:
    headers = bearer(key) if key else {}
    response = httpx.post(f"{server.url}{path}", json={"texts": ["a"], "input": "a"}, headers=headers)
    assert response.status_code == 401


def test_bedrock_titan_claude_and_cohere_with_a_valid_signature(server: StandinServer) -> None:
    url = f"{server.url}/model/amazon.titan-embed-text-v1/invoke"
    body = json.dumps({"inputText": "hello there"}).encode()
    titan = httpx.post(url, content=body, headers=signed(url, body, token="tok"))
    assert titan.status_code == 200, titan.text
    assert titan.json() == {"embedding": embed("hello there", 4), "inputTextTokenCount": 2}
    url = f"{server.url}/model/anthropic.claude-3-sonnet-20240229-v1:0/invoke"
    body = json.dumps({"messages": [{"role": "user", "content": [{"type": "text", "text": "q"}]}],
                       "anthropic_version": "bedrock-2023-05-31", "max_tokens": 10}).encode()  # fmt: skip
    claude = httpx.post(url, content=body, headers=signed(url, body))
    assert claude.status_code == 200, claude.text
    assert claude.json()["content"] == [{"type": "text", "text": "Stand-in reply to: q"}]
    url = f"{server.url}/model/cohere.embed-english-v3/invoke"
    body = json.dumps({"texts": ["z"], "input_type": "search_document"}).encode()
    assert httpx.post(url, content=body, headers=signed(url, body)).json()["embeddings"] == [embed("z", 4)]


def test_sagemaker_invocations(server: StandinServer) -> None:
    url = f"{server.url}/endpoints/my-endpoint/invocations"
    body = b'["a","b"]'
    response = httpx.post(url, content=body, headers=signed(url, body, service="sagemaker"))
    assert response.json() == [embed("a", 4), embed("b", 4)]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"secret": "wrong-secret"}, "signature we calculated does not match"),
        ({"access": "AKIAOTHER"}, "security token included in the request is invalid"),
        ({"service": "sagemaker"}, "Credential should be scoped to correct service: 'bedrock'"),
    ],
)
def test_bad_signatures_are_refused_with_403(
    server: StandinServer, kwargs: dict[str, str], message: str
) -> None:
    url = f"{server.url}/model/m/invoke"
    body = b'{"inputText": "x"}'
    response = httpx.post(url, content=body, headers=signed(url, body, **kwargs))
    assert response.status_code == 403
    assert message in response.json()["message"]
    assert response.headers["x-amzn-ErrorType"].split(":")[0] in (
        "InvalidSignatureException",
        "UnrecognizedClientException",
    )


def test_a_tampered_body_or_missing_signature_is_refused(server: StandinServer) -> None:
    url = f"{server.url}/model/m/invoke"
    headers = signed(url, b'{"inputText": "x"}')
    assert httpx.post(url, content=b'{"inputText": "y"}', headers=headers).status_code == 403
    headers["X-Amz-Content-SHA256"] = hashlib.sha256(b'{"inputText": "y"}').hexdigest()
    assert httpx.post(url, content=b'{"inputText": "y"}', headers=headers).status_code == 403
    missing = httpx.post(url, json={"inputText": "x"})
    assert missing.status_code == 403
    assert missing.json() == {"message": "Missing Authentication Token"}


def test_an_old_signature_has_expired() -> None:
    request = AWSRequest(method="POST", url="http://h:1/model/m/invoke", data=b"{}", headers={})
    SigV4Auth(Credentials("AK", "SK"), "bedrock", "us-east-1").add_auth(request)
    headers = {name.lower(): value for name, value in request.headers.items()} | {"host": "h:1"}
    verify_sigv4(
        "POST", "/model/m/invoke", headers, b"{}", access_key="AK", secret_key="SK", service="bedrock"
    )
    later = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=20)
    with pytest.raises(SignatureError, match="Signature expired"):
        verify_sigv4(
            "POST",
            "/model/m/invoke",
            headers,
            b"{}",
            access_key="AK",
            secret_key="SK",
            service="bedrock",
            now=later,
        )


def test_malformed_bodies_unknown_routes_and_methods(server: StandinServer) -> None:
    bad = httpx.post(f"{server.url}/v1/embeddings", content=b"{not json", headers=bearer("k-openai"))
    assert bad.status_code == 400
    url = f"{server.url}/model/m/invoke"
    body = b'{"prompt": "x"}'
    invalid = httpx.post(url, content=body, headers=signed(url, body))
    assert invalid.status_code == 400
    assert invalid.headers["x-amzn-ErrorType"].startswith("ValidationException")
    assert httpx.post(f"{server.url}/nowhere", json={}).status_code == 404
    assert httpx.get(f"{server.url}/v1/embeddings").status_code == 405


def test_requests_are_recorded_and_failures_injected(server: StandinServer) -> None:
    server.fail_next(503, times=2)
    statuses = [
        httpx.post(f"{server.url}/v1/embed", json={"texts": ["a"]}, headers=bearer("k-cohere")).status_code
        for _ in range(3)
    ]
    assert statuses == [503, 503, 200]
    assert len(server.requests) == 3
    assert server.requests[0].path == "/v1/embed"
    assert server.requests[0].headers["authorization"] == "Bearer k-cohere"
    assert server.requests[0].json() == {"texts": ["a"]}
    assert server.url in repr(server)


def test_stop_releases_the_port() -> None:
    server = StandinServer().start()
    url = server.url
    server.stop()
    with pytest.raises(httpx.ConnectError):
        httpx.post(f"{url}/v1/embed", json={})


def test_reprs_never_show_the_accepted_keys() -> None:
    with StandinServer(aws_secret_key="aws-SECRET-value", api_keys={"openai": "sk-SECRET-value"}) as server:
        shown = repr(server) + repr(server.credentials)
    assert "aws-SECRET-value" not in shown
    assert "sk-SECRET-value" not in shown
    assert DEMO_AWS_ACCESS_KEY in repr(server.credentials)
