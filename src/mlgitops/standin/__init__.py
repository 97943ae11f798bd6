"""A stand-in model server (OpenAI, Cohere, Bedrock, SageMaker; SigV4 verified) for tests and the demo."""

from mlgitops.standin.server import (
    DEMO_AWS_ACCESS_KEY,
    DEMO_AWS_SECRET_KEY,
    DEMO_COHERE_KEY,
    DEMO_OPENAI_KEY,
    RecordedRequest,
    StandinServer,
)

__all__ = [
    "DEMO_AWS_ACCESS_KEY",
    "DEMO_AWS_SECRET_KEY",
    "DEMO_COHERE_KEY",
    "DEMO_OPENAI_KEY",
    "RecordedRequest",
    "StandinServer",
]
