"""Stored connector documents built from the official blueprints, pointing at a stand-in server."""

from typing import Any

from mlgitops.standin import DEMO_AWS_ACCESS_KEY, DEMO_AWS_SECRET_KEY, DEMO_COHERE_KEY, DEMO_OPENAI_KEY

OPENAI_CREDS = {"openAI_key": DEMO_OPENAI_KEY}
COHERE_CREDS = {"cohere_key": DEMO_COHERE_KEY}
AWS_CREDS = {"access_key": DEMO_AWS_ACCESS_KEY, "secret_key": DEMO_AWS_SECRET_KEY}

TITAN_PRE_SCRIPT = """
    StringBuilder builder = new StringBuilder();
    builder.append("\\"");
    String first = params.text_docs[0];
    builder.append(first);
    builder.append("\\"");
    def parameters = "{" +"\\"inputText\\":" + builder + "}";
    return  "{" +"\\"parameters\\":" + parameters + "}";
"""
TITAN_POST_SCRIPT = """
    def name = "sentence_embedding";
    def dataType = "FLOAT32";
    if (params.embedding == null || params.embedding.length == 0) {
        return params.message;
    }
    def shape = [params.embedding.length];
    def json = "{" +
               "\\"name\\":\\"" + name + "\\"," +
               "\\"data_type\\":\\"" + dataType + "\\"," +
               "\\"shape\\":" + shape + "," +
               "\\"data\\":" + params.embedding +
               "}";
    return json;
"""


def action(url: str, body: str | None, **extra: Any) -> dict[str, Any]:
    """A stored PREDICT action."""
    return {"action_type": "PREDICT", "method": "POST", "url": url, "request_body": body, **extra}


def cohere_chat(base: str, path: str = "/v1/chat") -> dict[str, Any]:
    """A Cohere v1 chat connector (no pre/post functions) at ``base`` + ``path``."""
    return {
        "name": "cohere chat",
        "protocol": "http",
        "parameters": {"model": "command"},
        "actions": [
            action(
                base + path,
                '{ "message": "${parameters.message}", "model": "${parameters.model}" }',
                headers={"Authorization": "Bearer ${credential.cohere_key}"},
            )
        ],
    }


def openai_chat(base: str) -> dict[str, Any]:
    """The openai_chat blueprint, endpoint parameter pointing at ``base``."""
    return {
        "name": "openai chat",
        "protocol": "http",
        "parameters": {"endpoint": base.removeprefix("http://"), "model": "gpt-3.5-turbo"},
        "actions": [
            action(
                "http://${parameters.endpoint}/v1/chat/completions",
                '{ "model": "${parameters.model}", "messages": ${parameters.messages} }',
                headers={"Authorization": "Bearer ${credential.openAI_key}"},
            )
        ],
    }


def openai_embedding(base: str) -> dict[str, Any]:
    """The openai_embedding blueprint with the built-in pre/post functions."""
    return {
        "name": "openai embedding",
        "protocol": "http",
        "parameters": {"model": "text-embedding-ada-002"},
        "actions": [
            action(
                f"{base}/v1/embeddings",
                '{ "input": ${parameters.input}, "model": "${parameters.model}" }',
                headers={"Authorization": "Bearer ${credential.openAI_key}"},
                pre_process_function="connector.pre_process.openai.embedding",
                post_process_function="connector.post_process.openai.embedding",
            )
        ],
    }


def cohere_embedding(base: str) -> dict[str, Any]:
    """The Cohere embedding blueprint (builtin cohere pre/post)."""
    return {
        "name": "cohere embedding",
        "protocol": "http",
        "parameters": {"model": "embed-english-v3.0", "input_type": "search_document", "truncate": "END"},
        "actions": [
            action(
                f"{base}/v1/embed",
                '{ "texts": ${parameters.texts}, "truncate": "${parameters.truncate}", '
                '"model": "${parameters.model}", "input_type": "${parameters.input_type}" }',
                headers={
                    "Authorization": "Bearer ${credential.cohere_key}",
                    "Request-Source": "unspecified:opensearch",
                },
                pre_process_function="connector.pre_process.cohere.embedding",
                post_process_function="connector.post_process.cohere.embedding",
            )
        ],
    }


def bedrock_titan(base: str, *, pre: str | None = None, post: str | None = None) -> dict[str, Any]:
    """The bedrock_titan_embedding blueprint (builtins unless scripts are given)."""
    return {
        "name": "bedrock titan",
        "protocol": "aws_sigv4",
        "parameters": {
            "region": "us-east-1",
            "service_name": "bedrock",
            "model": "amazon.titan-embed-text-v1",
        },
        "actions": [
            action(
                f"{base}/model/${{parameters.model}}/invoke",
                '{ "inputText": "${parameters.inputText}" }',
                headers={"content-type": "application/json", "x-amz-content-sha256": "required"},
                pre_process_function=pre or "connector.pre_process.bedrock.embedding",
                post_process_function=post or "connector.post_process.bedrock.embedding",
            )
        ],
    }


def bedrock_claude(base: str) -> dict[str, Any]:
    """The bedrock_claude3_chat blueprint (response_filter, numeric placeholder)."""
    return {
        "name": "bedrock claude",
        "protocol": "aws_sigv4",
        "parameters": {
            "region": "us-west-2",
            "service_name": "bedrock",
            "auth": "Sig_V4",
            "response_filter": "$.content[0].text",
            "max_tokens_to_sample": "8000",
            "anthropic_version": "bedrock-2023-05-31",
            "model": "anthropic.claude-3-sonnet-20240229-v1:0",
        },
        "actions": [
            action(
                f"{base}/model/${{parameters.model}}/invoke",
                '{"messages":[{"role":"user","content":[{"type":"text","text":"${parameters.inputs}"}]}],'
                '"anthropic_version":"${parameters.anthropic_version}","max_tokens":${parameters.max_tokens_to_sample}}',
                headers={"content-type": "application/json"},
            )
        ],
    }


def sagemaker_embedding(base: str) -> dict[str, Any]:
    """The SageMaker predict action of the batch-inference blueprint (default pre/post)."""
    return {
        "name": "sagemaker",
        "protocol": "aws_sigv4",
        "parameters": {"region": "us-east-1", "service_name": "sagemaker"},
        "actions": [
            action(
                f"{base}/endpoints/OpenSearch-sagemaker-060124023703/invocations",
                "${parameters.input}",
                headers={"content-type": "application/json"},
                pre_process_function="connector.pre_process.default.embedding",
                post_process_function="connector.post_process.default.embedding",
            )
        ],
    }
