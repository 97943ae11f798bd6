"""Secret-looking names and literal values: flagged, and masked before any message quotes them."""

import pytest
from manifest_helpers import CONNECTOR, Loader, messages

from mlgitops.manifests.redaction import display_url, looks_secret

HEADER_MESSAGE = (
    "header '{}' holds a literal value: put the secret under credential and write "
    "${{credential.NAME}} so no secret lives in git"
)


@pytest.mark.parametrize(
    "name", ["api_key", "X-Goog-Api-Key", "session_token", "password", "Authorization", "secretKey", "sig"]
)
def test_secret_looking_names(name: str) -> None:
    assert looks_secret(name)


@pytest.mark.parametrize("name", ["max_tokens", "model", "endpoint", "keyword", "Content-Type", "region"])
def test_ordinary_names(name: str) -> None:
    assert not looks_secret(name)


def test_display_url_masks_secret_parameters_user_info_and_query_values() -> None:
    template = "https://u:pw@${parameters.host}/${parameters.api_key}/${parameters.p}?key=abc&api-version=1&x"
    values = {"host": "h.example.com", "api_key": "SEKRET", "p": "${parameters.api_key}"}
    assert display_url(template, values) == "https://***@h.example.com/***/***?key=***&api-version=1&x"
    assert display_url("${parameters.e}/v1", {"e": "https://[::1"}) == "https://[::1/v1"


def test_untrusted_url_message_masks_what_may_be_a_secret(load_text: Loader) -> None:
    text = CONNECTOR.replace(
        "    model: gpt-4o-mini\n", "    model: gpt-4o-mini\n    token: SEKRET\n"
    ).replace(
        "https://api.openai.com/v1/chat/completions",
        "https://evil.example.com/${parameters.token}?api_key=SEKRET",
    )
    result = load_text(text)
    assert "SEKRET" not in repr(result.issues)
    assert "connector URL 'https://evil.example.com/***?api_key=***' matches no" in messages(result)[0]
    assert messages(result, "warning")[0].startswith(
        "parameter 'token' looks like a secret and holds a literal value: connector parameters"
    )


def test_literal_in_a_secret_header_is_an_error_and_in_a_secret_looking_one_a_warning(
    load_text: Loader,
) -> None:
    text = CONNECTOR.replace(
        "Authorization: Bearer ${credential.key}",
        "Authorization: Bearer SEKRET\n        X-Goog-Api-Key: SEKRET\n        X-Trace: abc",
    )
    result = load_text(text)
    assert messages(result) == [HEADER_MESSAGE.format("Authorization")]
    assert messages(result, "warning") == [HEADER_MESSAGE.format("X-Goog-Api-Key")]
    assert "SEKRET" not in repr(result.issues)
    assert load_text(text, allow_plaintext_credentials=True).issues == ()


def test_secret_looking_parameter_from_a_placeholder_is_fine(load_text: Loader) -> None:
    text = CONNECTOR.replace(
        "    model: gpt-4o-mini\n", "    model: gpt-4o-mini\n    api_key: ${parameters.model}\n"
    )
    assert load_text(text).issues == ()


@pytest.mark.parametrize(("name", "value"), [("auth", "Sig_V4"), ("auth", "SEKRET"), ("api_key_type", "x")])
def test_parameters_that_are_not_secrets_do_not_warn(load_text: Loader, name: str, value: str) -> None:
    result = load_text(
        CONNECTOR.replace("    model: gpt-4o-mini\n", f"    model: gpt-4o-mini\n    {name}: {value}\n")
    )
    assert result.issues == ()


@pytest.mark.parametrize("value", ["Sig_V4", "SigV4", "bearer", "Basic", "none"])
def test_auth_scheme_words_are_not_secrets_whatever_the_name(load_text: Loader, value: str) -> None:
    text = CONNECTOR.replace(
        "    model: gpt-4o-mini\n", f"    model: gpt-4o-mini\n    token_type_auth: {value}\n"
    )
    assert load_text(text).issues == ()


@pytest.mark.parametrize(
    ("name", "value"), [("token", "SEKRET"), ("basic_auth", "hunter2"), ("api_key", "sk-1")]
)
def test_secret_looking_parameters_with_literal_values_still_warn(
    load_text: Loader, name: str, value: str
) -> None:
    result = load_text(
        CONNECTOR.replace("    model: gpt-4o-mini\n", f"    model: gpt-4o-mini\n    {name}: {value}\n")
    )
    assert messages(result, "warning") == [
        f"parameter '{name}' looks like a secret and holds a literal value: connector parameters are stored "
        "in clear and returned by GET; put it under credential and use it in a header"
    ]
