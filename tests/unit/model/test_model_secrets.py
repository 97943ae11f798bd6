"""One rule decides which names carry secrets, for validation, redaction and plan masking."""

import pytest

from mlgitops.model.secrets import looks_secret


@pytest.mark.parametrize(
    "name",
    [
        "Authorization",
        "proxy-authorization",
        "Cookie",
        "x-api-key",
        "X-Goog-Api-Key",
        "api_key",
        "password",
        "session_token",
        "x-auth-header",
        "auth_header",
        "openAI_key",
        "secret",
    ],
)
def test_secret_names(name: str) -> None:
    assert looks_secret(name)


@pytest.mark.parametrize(
    "name", ["content-type", "x-amz-content-sha256", "model", "region", "Request-Source", "monkey"]
)
def test_ordinary_names(name: str) -> None:
    assert not looks_secret(name)
