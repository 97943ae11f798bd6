"""ML Commons 2.19 constants: default trusted endpoints, built-in pre/post functions, client defaults."""

# See ../shared/reference/mlcommons-api.md sections 1.2, 1.5, 4.2 and 4.3. Later versions add entries
# (3.0+ cohere_v2/bedrock_v2 post-processors, 3.5+ nova functions, 3.8 Gemini endpoint); these sets
# are exactly what a 2.19 cluster knows.

from typing import Final

TARGET_VERSION: Final = "2.19"

DEFAULT_TRUSTED_ENDPOINTS_2_19: Final[tuple[str, ...]] = (
    r"^https://runtime\.sagemaker\..*[a-z0-9-]\.amazonaws\.com/.*$",
    r"^https://api\.openai\.com/.*$",
    r"^https://api\.cohere\.ai/.*$",
    r"^https://bedrock-runtime\..*[a-z0-9-]\.amazonaws\.com/.*$",
    r"^https://api\.sagemaker\..*[a-z0-9-]\.amazonaws\.com/.*$",
    r"^https://bedrock-agent-runtime\..*[a-z0-9-]\.amazonaws\.com/.*$",
    r"^https://bedrock\..*[a-z0-9-]\.amazonaws\.com/.*$",
    r"^https://textract\..*[a-z0-9-]\.amazonaws\.com$",
    r"^https://comprehend\..*[a-z0-9-]\.amazonaws\.com$",
    r"^https://api\.deepseek\.com/.*$",
    r"^https://rekognition(-fips)?\..*[a-z0-9-]\.amazonaws\.com$",
)

PRE_PROCESS_PREFIX: Final = "connector.pre_process."
POST_PROCESS_PREFIX: Final = "connector.post_process."

BUILTIN_PRE_PROCESS_FUNCTIONS: Final[frozenset[str]] = frozenset(
    {
        "connector.pre_process.openai.embedding",
        "connector.pre_process.default.embedding",
        "connector.pre_process.cohere.embedding",
        "connector.pre_process.bedrock.embedding",
        "connector.pre_process.bedrock.multimodal_embedding",
        "connector.pre_process.cohere.multimodal_embedding",
        "connector.pre_process.cohere.rerank",
        "connector.pre_process.default.rerank",
        "connector.pre_process.bedrock.rerank",
    }
)

BUILTIN_POST_PROCESS_FUNCTIONS: Final[frozenset[str]] = frozenset(
    {
        "connector.post_process.openai.embedding",
        "connector.post_process.cohere.embedding",
        "connector.post_process.default.embedding",
        "connector.post_process.bedrock.embedding",
        "connector.post_process.cohere.rerank",
        "connector.post_process.default.rerank",
        "connector.post_process.bedrock.rerank",
        "connector.post_process.bedrock.batch_job_arn",
    }
)

# Built-in functions of later versions, with the first version that has them. 2.19 creates a connector
# naming one, but at predict it runs the unknown name as a Painless script, which fails to compile.
LATER_BUILTIN_FUNCTIONS: Final[dict[str, str]] = {
    **dict.fromkeys(
        (
            "connector.post_process.bedrock_v2.embedding.binary",
            "connector.post_process.bedrock_v2.embedding.float",
            "connector.post_process.cohere_v2.embedding.binary",
            "connector.post_process.cohere_v2.embedding.float",
            "connector.post_process.cohere_v2.embedding.int8",
            "connector.post_process.cohere_v2.embedding.ubinary",
            "connector.post_process.cohere_v2.embedding.uint8",
        ),
        "3.0",
    ),
    "connector.post_process.mlcommons.passthrough": "3.3",
    **dict.fromkeys(
        (
            "connector.post_process.bedrock.nova.embedding",
            "connector.pre_process.bedrock.nova.audio_embedding",
            "connector.pre_process.bedrock.nova.image_embedding",
            "connector.pre_process.bedrock.nova.text_embedding",
            "connector.pre_process.bedrock.nova.video_embedding",
        ),
        "3.3.2",
    ),
    "connector.pre_process.bedrock.nova.embedding": "3.5",
}

# The Amazon OpenSearch Service form ``${credential.secretArn.KEY}``: KEY of the Secrets Manager secret
# whose ARN is ``credential.secretArn`` (read through ``credential.roleArn``).
SECRET_ARN_CREDENTIAL: Final = "secretArn"  # noqa: S105 - a credential key name, not a secret

# Filled in by the server for every omitted field once ``client_config`` is given (2.15-3.5 values;
# the timeouts are seconds since 2.14, so 30000 really means 30000 s until 3.6 changed it to 30).
DEFAULT_CLIENT_CONFIG: Final[dict[str, int | str]] = {
    "max_connection": 30,
    "connection_timeout": 30000,
    "read_timeout": 30000,
    "retry_backoff_millis": 200,
    "retry_timeout_seconds": 30,
    "max_retry_times": 0,
    "retry_backoff_policy": "constant",
}

# HTTP methods ML Commons 2.19 calls at predict (PUT and DELETE arrive in 3.5).
PREDICT_METHODS_2_19: Final[frozenset[str]] = frozenset({"POST", "GET"})
PREDICT_METHODS_3_5: Final[frozenset[str]] = frozenset({"POST", "GET", "PUT", "DELETE"})

CONNECTOR_ACCESS_DISABLED_MESSAGE: Final = (
    "You cannot specify connector access control parameters because the Security plugin or connector "
    "access control is disabled on your cluster."
)
MODEL_ACCESS_DISABLED_MESSAGE: Final = (
    "You cannot specify model access control parameters because the Security plugin or model access "
    "control is disabled on your cluster."
)

# The parameters each built-in pre-process function produces (so templates using them are satisfied).
PRE_PROCESS_OUTPUT_PARAMETERS: Final[dict[str, frozenset[str]]] = {
    "connector.pre_process.openai.embedding": frozenset({"input"}),
    "connector.pre_process.default.embedding": frozenset({"input"}),
    "connector.pre_process.cohere.embedding": frozenset({"texts"}),
    "connector.pre_process.bedrock.embedding": frozenset({"inputText"}),
    "connector.pre_process.bedrock.multimodal_embedding": frozenset({"inputText", "inputImage"}),
    "connector.pre_process.cohere.multimodal_embedding": frozenset({"images"}),
    "connector.pre_process.cohere.rerank": frozenset({"query", "documents", "top_n"}),
    "connector.pre_process.default.rerank": frozenset({"query", "documents", "top_n"}),
    "connector.pre_process.bedrock.rerank": frozenset({"queries", "sources", "numberOfResults"}),
}

RETRY_BACKOFF_POLICIES: Final[frozenset[str]] = frozenset(
    {"constant", "exponential_equal_jitter", "exponential_full_jitter"}
)

# A model update merges ``rate_limiter`` into the stored one (``limit``/``unit`` replace, never
# removed; ``null`` is a parse error), so "no rate limiter" is planned as this limit, which no
# client can reach, and a stored limiter equal to it reads as none.
NEUTRAL_RATE_LIMITER: Final = {"limit": "2147483647", "unit": "NANOSECONDS"}
