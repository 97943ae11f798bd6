"""Predict through the stand-in model server for every example model, on both backends."""

# mypy: allow-untyped-defs, allow-untyped-calls

import json

import pytest

MODELS = {
    "openai-chat": ("openai.yaml", ["--parameters", '{"messages": [{"role": "user", "content": "hello"}]}']),
    "openai-embedding": ("openai.yaml", ["--text-docs", "declarative ML connectors"]),
    "cohere-embedding": ("cohere.yaml", ["--text-docs", "declarative ML connectors"]),
    "bedrock-titan-embedding": ("bedrock.yaml", ["--text-docs", "signed with SigV4"]),
    "sagemaker-embedding": ("sagemaker.yaml", ["--text-docs", "signed with SigV4"]),
}


def expected_output(model):
    if model == "openai-chat":
        return "dataAsMap"
    return "sentence_embedding"


@pytest.mark.parametrize("model", list(MODELS))
def test_predict_through_the_standin(cli, target, standin, model):
    manifest, arguments = MODELS[model]
    paths = ["manifests/cluster-settings.yaml", "manifests/model-group.yaml", f"manifests/{manifest}"]
    cli.ok("reconcile", *paths)
    out = cli.ok("predict", model, *arguments)
    result = json.loads(out)
    assert expected_output(model) in json.dumps(result["inference_results"])
    assert standin.requests, "the model server was never called"
