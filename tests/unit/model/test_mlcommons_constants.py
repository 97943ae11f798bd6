"""ML Commons 2.19 constants other packages rely on."""

from mlgitops.model import javaregex, mlcommons


def test_default_trusted_endpoints_compile_and_match_the_providers() -> None:
    patterns = list(mlcommons.DEFAULT_TRUSTED_ENDPOINTS_2_19)
    assert len(patterns) == 11
    for url in (
        "https://api.openai.com/v1/embeddings",
        "https://api.cohere.ai/v1/embed",
        "https://bedrock-runtime.us-east-1.amazonaws.com/model/x/invoke",
        "https://runtime.sagemaker.eu-west-1.amazonaws.com/endpoints/e/invocations",
        "https://comprehend.us-east-1.amazonaws.com",
        "https://api.deepseek.com/chat/completions",
    ):
        assert javaregex.matches_any(patterns, url), url
    for url in (
        "https://api.cohere.com/v1/embed",
        "http://127.0.0.1:8765/v1",
        "https://x.openai.azure.com/o",
    ):
        assert not javaregex.matches_any(patterns, url), url


def test_builtin_function_sets_and_produced_parameters() -> None:
    assert "connector.pre_process.cohere.multimodal_embedding" in mlcommons.BUILTIN_PRE_PROCESS_FUNCTIONS
    assert "connector.post_process.bedrock.batch_job_arn" in mlcommons.BUILTIN_POST_PROCESS_FUNCTIONS
    assert "connector.post_process.cohere_v2.embedding.float" not in mlcommons.BUILTIN_POST_PROCESS_FUNCTIONS
    assert set(mlcommons.PRE_PROCESS_OUTPUT_PARAMETERS) == mlcommons.BUILTIN_PRE_PROCESS_FUNCTIONS


def test_default_client_config_2_19() -> None:
    assert mlcommons.DEFAULT_CLIENT_CONFIG == {
        "max_connection": 30,
        "connection_timeout": 30000,
        "read_timeout": 30000,
        "retry_backoff_millis": 200,
        "retry_timeout_seconds": 30,
        "max_retry_times": 0,
        "retry_backoff_policy": "constant",
    }
