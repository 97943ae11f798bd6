"""Placeholders with an unknown namespace (``${var.x}``) are reported, located, anywhere in a document."""

from pathlib import Path

import pytest
from manifest_helpers import CONNECTOR, Loader, messages

from mlgitops.manifests import load_manifests

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.parametrize(
    ("written", "meant"),
    [
        ("var", "vars"),
        ("variables", "vars"),
        ("param", "parameters"),
        ("params", "parameters"),
        ("parameter", "parameters"),
        ("credentials", "credential"),
        ("Parameters", "parameters"),
    ],
)
def test_close_namespace_is_an_error_with_a_suggestion(load_text: Loader, written: str, meant: str) -> None:
    result = load_text(CONNECTOR.replace("model: gpt-4o-mini", f"model: ${{{written}.chat_model}}"))
    (error,) = result.errors
    assert error.json_path == "spec.parameters.model"
    assert (error.line, error.column) == (10, 5)
    assert error.message.startswith(f"unknown placeholder namespace in ${{{written}.chat_model}}; ")
    assert f"did you mean '${{{meant}.'?" in error.message


def test_unknown_namespace_far_from_any_is_a_warning(load_text: Loader) -> None:
    result = load_text(CONNECTOR.replace("model: gpt-4o-mini", "model: ${model.name}"))
    assert result.ok
    assert messages(result, "warning") == [
        "${model.name} is not a known placeholder (${parameters.…}, ${credential.…}, ${vars.…}); "
        "ML Commons leaves it verbatim (write $${...} for a literal)"
    ]


def test_every_string_is_scanned_including_metadata_and_request_bodies(load_text: Loader) -> None:
    text = CONNECTOR.replace("name: OpenAI", "name: OpenAI\n  description: ${var.what}").replace(
        "metadata:\n  name: openai", "metadata:\n  name: openai\n  labels: {team: '${vars_.team}'}"
    )
    text = text.replace('"${parameters.model}"', '"${paramters.model}"')
    result = load_text(text)
    paths = [issue.json_path for issue in result.errors]
    assert paths == ["metadata.labels.team", "spec.description", "spec.actions[0].request_body"]


def test_escaped_and_known_placeholders_are_not_reported(load_text: Loader) -> None:
    text = CONNECTOR.replace("model: gpt-4o-mini", "model: $${var.literal}")
    assert load_text(text).issues == ()


def test_credential_values_are_never_quoted(load_text: Loader) -> None:
    result = load_text(CONNECTOR.replace("{env: OPENAI_API_KEY}", "${var.SECRETNAME}"))
    assert "SECRETNAME" not in repr(result.issues)
    assert any("did you mean '${vars.'?" in message for message in messages(result))


def test_a_typo_does_not_hide_the_other_checks_of_the_document(load_text: Loader) -> None:
    text = CONNECTOR.replace("model: gpt-4o-mini", "model: ${var.m}").replace(
        "https://api.openai.com", "https://evil.example.com"
    )
    result = load_text(text)
    assert len(result.errors) == 2
    assert "matches no trusted_connector_endpoints_regex" in messages(result)[1]


def test_shipped_bedrock_painless_scripts_stay_clean() -> None:
    variables = {"aws_region": "us-east-1", "bedrock_host": "bedrock-runtime.us-east-1.amazonaws.com"}
    paths = [ROOT / "manifests" / "bedrock.yaml", ROOT / "manifests" / "model-group.yaml"]
    result = load_manifests(paths, variables=variables | {"scheme": "https"})
    assert result.issues == ()
