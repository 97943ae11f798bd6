"""Predict through each connector kind against a real stand-in server: exact payloads and outputs."""

import logging
from typing import Any

import executorkit as kit
import pytest

from mlgitops.engine.executor import run_predict
from mlgitops.engine.executor.javafmt import to_float32
from mlgitops.standin import StandinServer
from mlgitops.standin.models import embed


def embedding_tensor(text: str) -> dict[str, Any]:
    data = [to_float32(v) for v in embed(text, 8)]
    return {"name": "sentence_embedding", "data_type": "FLOAT32", "shape": [8], "data": data}


def test_openai_chat_sends_the_blueprint_payload_and_wraps_the_response(
    standin: StandinServer, settings
) -> None:
    messages = [{"role": "user", "content": "Say hello"}]
    result = run_predict(
        kit.openai_chat(standin.url),
        kit.OPENAI_CREDS,
        {"parameters": {"messages": messages}},
        settings=settings,
    )
    [received] = standin.requests
    assert received.path == "/v1/chat/completions"
    assert received.headers["authorization"] == "Bearer demo-openai-key"
    assert received.headers["content-type"] == "application/json"
    assert (
        received.body == b'{ "model": "gpt-3.5-turbo", "messages": [{"role":"user","content":"Say hello"}] }'
    )
    [inference] = result["inference_results"]
    assert inference["status_code"] == 200
    [tensor] = inference["output"]
    assert tensor["name"] == "response"
    assert tensor["dataAsMap"]["choices"][0]["message"]["content"] == "Stand-in reply to: Say hello"


def test_openai_embedding_builtins_batch_all_docs(standin: StandinServer, settings) -> None:
    request = {"text_docs": ["first doc", "second doc"], "target_response": ["sentence_embedding"]}
    result = run_predict(kit.openai_embedding(standin.url), kit.OPENAI_CREDS, request, settings=settings)
    [received] = standin.requests
    assert received.body == b'{ "input": ["first doc","second doc"], "model": "text-embedding-ada-002" }'
    assert result == {
        "inference_results": [
            {"output": [embedding_tensor("first doc"), embedding_tensor("second doc")], "status_code": 200}
        ]
    }


def test_cohere_embedding_builtins(standin: StandinServer, settings) -> None:
    result = run_predict(
        kit.cohere_embedding(standin.url), kit.COHERE_CREDS, {"text_docs": ["a b"]}, settings=settings
    )
    [received] = standin.requests
    assert received.json() == {
        "texts": ["a b"],
        "truncate": "END",
        "model": "embed-english-v3.0",
        "input_type": "search_document",
    }
    assert received.headers["request-source"] == "unspecified:opensearch"
    assert result["inference_results"][0]["output"] == [embedding_tensor("a b")]


def test_bedrock_titan_builtins_send_one_signed_request_per_doc(standin: StandinServer, settings) -> None:
    result = run_predict(
        kit.bedrock_titan(standin.url), kit.AWS_CREDS, {"text_docs": ["one", "two"]}, settings=settings
    )
    assert [r.body for r in standin.requests] == [b'{ "inputText": "one" }', b'{ "inputText": "two" }']
    assert all(r.path == "/model/amazon.titan-embed-text-v1/invoke" for r in standin.requests)
    auth = standin.requests[0].headers["authorization"]
    assert auth.startswith("AWS4-HMAC-SHA256 Credential=AKIADEMOEXAMPLEKEY01/")
    assert "/us-east-1/bedrock/aws4_request" in auth
    assert standin.requests[0].headers["x-amz-content-sha256"] != "required"
    assert result == {
        "inference_results": [
            {"output": [embedding_tensor("one")], "status_code": 200},
            {"output": [embedding_tensor("two")], "status_code": 200},
        ]
    }


def test_bedrock_titan_with_the_painless_scripts_from_the_docs(standin: StandinServer, settings) -> None:
    connector = kit.bedrock_titan(standin.url, pre=kit.TITAN_PRE_SCRIPT, post=kit.TITAN_POST_SCRIPT)
    result = run_predict(connector, kit.AWS_CREDS, {"text_docs": ["hello world", "again"]}, settings=settings)
    assert [r.json() for r in standin.requests] == [{"inputText": "hello world"}, {"inputText": "again"}]
    outputs = [inference["output"] for inference in result["inference_results"]]
    # The script prints Java's List.toString of doubles; floats survive as JSON numbers.
    assert outputs == [
        [{**embedding_tensor("hello world"), "data": embed("hello world", 8)}],
        [{**embedding_tensor("again"), "data": embed("again", 8)}],
    ]


def test_sagemaker_default_pre_and_post_process(standin: StandinServer, settings) -> None:
    result = run_predict(
        kit.sagemaker_embedding(standin.url), kit.AWS_CREDS, {"text_docs": ["x", "y"]}, settings=settings
    )
    [received] = standin.requests
    assert received.path == "/endpoints/OpenSearch-sagemaker-060124023703/invocations"
    assert received.body == b'["x","y"]'
    assert "/us-east-1/sagemaker/aws4_request" in received.headers["authorization"]
    assert result["inference_results"][0]["output"] == [embedding_tensor("x"), embedding_tensor("y")]


def test_bedrock_claude_applies_the_response_filter(standin: StandinServer, settings) -> None:
    result = run_predict(
        kit.bedrock_claude(standin.url),
        kit.AWS_CREDS,
        {"parameters": {"inputs": 'Say "hi"\nplease'}},
        settings=settings,
    )
    [received] = standin.requests
    assert received.path == "/model/anthropic.claude-3-sonnet-20240229-v1:0/invoke"
    assert received.json() == {
        "messages": [{"role": "user", "content": [{"type": "text", "text": 'Say "hi"\nplease'}]}],
        "anthropic_version": "bedrock-2023-05-31",
        "max_tokens": 8000,
    }
    assert result["inference_results"][0]["output"] == [
        {"name": "response", "dataAsMap": {"response": 'Stand-in reply to: Say "hi"\nplease'}}
    ]


def test_session_token_is_sent_and_signed(standin: StandinServer, settings) -> None:
    creds = {**kit.AWS_CREDS, "session_token": "session-token-value"}
    run_predict(kit.bedrock_titan(standin.url), creds, {"text_docs": ["t"]}, settings=settings)
    [received] = standin.requests
    assert received.headers["x-amz-security-token"] == "session-token-value"
    assert "x-amz-security-token" in received.headers["authorization"]


@pytest.mark.parametrize("region_in_parameters", [True, False])
def test_region_and_service_fall_back_to_the_credential(
    standin: StandinServer, settings, region_in_parameters
) -> None:
    connector = kit.bedrock_titan(standin.url)
    connector["parameters"] = {"model": "amazon.titan-embed-text-v1"}
    if region_in_parameters:
        connector["parameters"]["region"] = "eu-west-1"
    creds = {**kit.AWS_CREDS, "region": "ap-south-1", "service_name": "bedrock"}
    run_predict(connector, creds, {"text_docs": ["t"]}, settings=settings)
    region = "eu-west-1" if region_in_parameters else "ap-south-1"
    assert f"/{region}/bedrock/aws4_request" in standin.requests[0].headers["authorization"]


def test_cohere_rerank_builtins_return_scores_in_document_order(standin: StandinServer, settings) -> None:
    connector = {
        "name": "rerank",
        "protocol": "http",
        "parameters": {},
        "actions": [
            kit.action(
                f"{standin.url}/v1/rerank",
                '{"documents": ${parameters.documents}, "query": "${parameters.query}", '
                '"top_n": ${parameters.top_n}}',
                headers={"Authorization": "Bearer ${credential.cohere_key}"},
                pre_process_function="connector.pre_process.cohere.rerank",
                post_process_function="connector.post_process.cohere.rerank",
            )
        ],
    }
    request = {"query_text": "q", "text_docs": ["d0", "d1", "d2"]}
    result = run_predict(connector, kit.COHERE_CREDS, request, settings=settings)
    assert standin.requests[0].json() == {"documents": ["d0", "d1", "d2"], "query": "q", "top_n": 3}
    output = result["inference_results"][0]["output"]
    expected = [round((embed("q\n" + d, 8)[0] + 1) / 2, 4) for d in ("d0", "d1", "d2")]
    assert [t["data"] for t in output] == [[to_float32(s)] for s in expected]
    assert {t["name"] for t in output} == {"similarity"}


def test_signing_logs_no_secret_or_session_token(standin: StandinServer, settings, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    creds = {**kit.AWS_CREDS, "session_token": "session-token-SECRET-42"}
    run_predict(kit.bedrock_titan(standin.url), creds, {"text_docs": ["t"]}, settings=settings)
    assert caplog.records, "DEBUG logging was captured"
    assert "session-token-SECRET-42" not in caplog.text
    assert kit.AWS_CREDS["secret_key"] not in caplog.text
