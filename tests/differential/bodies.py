"""Request bodies of the differential scenario (credentials are the stand-in's public demo values)."""

from typing import Any

OPENAI_KEY = "demo-openai-key"
AWS_CREDENTIAL = {"access_key": "AKIADEMOEXAMPLEKEY01", "secret_key": "demo-aws-secret-key"}
TRUSTED = [r"^http://127\.0\.0\.1:[0-9]+/.*$", r"^https://api\.openai\.com/.*$"]

TITAN_PAINLESS_PRE = (
    'StringBuilder builder = new StringBuilder(); builder.append("\\""); '
    'builder.append(params.text_docs[0]); builder.append("\\""); '
    'def parameters = "{" + "\\"inputText\\":" + builder + "}"; '
    'return "{" + "\\"parameters\\":" + parameters + "}";'
)
TITAN_PAINLESS_POST = (
    'def name = "sentence_embedding"; def dataType = "FLOAT32"; '
    "if (params.embedding == null || params.embedding.length == 0) { return params.message; } "
    "def shape = [params.embedding.length]; "
    'def json = "{" + "\\"name\\":\\"" + name + "\\"," + "\\"data_type\\":\\"" + dataType + "\\"," + '
    '"\\"shape\\":" + shape + "," + "\\"data\\":" + params.embedding + "}"; return json;'
)


def openai_connector(name: str = "diff-openai", **overrides: Any) -> dict[str, Any]:
    """The OpenAI embedding blueprint pointed at the stand-in."""
    body: dict[str, Any] = {
        "name": name,
        "description": "OpenAI embeddings through the stand-in",
        "version": 1,
        "protocol": "http",
        "parameters": {"model": "text-embedding-ada-002"},
        "credential": {"openAI_key": OPENAI_KEY},
        "actions": [
            {
                "action_type": "predict",
                "method": "POST",
                "url": "<<standin>>/v1/embeddings",
                "headers": {"Authorization": "Bearer ${credential.openAI_key}"},
                "request_body": '{ "input": ${parameters.input}, "model": "${parameters.model}" }',
                "pre_process_function": "connector.pre_process.openai.embedding",
                "post_process_function": "connector.post_process.openai.embedding",
            }
        ],
    }
    body.update(overrides)
    return body


def bedrock_connector(
    model: str,
    *,
    post: str | None = None,
    pre: str | None = None,
    request_body: str = '{ "inputText": "${parameters.inputText}" }',
    extra: dict[str, str] | None = None,
    service: str = "bedrock",
) -> dict[str, Any]:
    """A SigV4 connector to the stand-in's Bedrock route (``post``/``pre``: process functions)."""
    action: dict[str, Any] = {
        "action_type": "predict",
        "method": "POST",
        "url": f"<<standin>>/model/{model}/invoke",
        "headers": {"content-type": "application/json", "x-amz-content-sha256": "required"},
        "request_body": request_body,
    }
    if pre is not None:
        action["pre_process_function"] = pre
    if post is not None:
        action["post_process_function"] = post
    return {
        "name": f"diff-{service}-{model}",
        "description": f"{service} {model}",
        "version": 1,
        "protocol": "aws_sigv4",
        "parameters": {"region": "us-east-1", "service_name": service, "model": model, **(extra or {})},
        "credential": dict(AWS_CREDENTIAL),
        "actions": [action],
    }


def remote_model(name: str, connector_id: str = "<<conn_openai>>", **extra: Any) -> dict[str, Any]:
    """A register body for a remote model in the first model group."""
    return {
        "name": name,
        "function_name": "remote",
        "model_group_id": "<<group_a>>",
        "description": f"{name} (differential)",
        "connector_id": connector_id,
        **extra,
    }
