"""The official blueprint corpus: each body validates or fails exactly as ML Commons 2.19 would.

mlcommons-api.md section 5 "Expected outcomes" (we follow 2.19, so the 3.1+ safe-text name rule does
not apply): as pasted, every ``<PLEASE ADD ...>``-style placeholder is a located error (the three
Bedrock bodies' region placeholder is reported in parameters.region instead of as an untrusted URL);
with the placeholders filled in, Azure fails the trusted endpoint regex because Azure is not trusted
by default, the rest pass. Decision for
``supports_structured_output`` (3.7+, in openai_chat and bedrock_converse): accepted with a warning,
since 2.19 skips unknown action fields silently.
"""

import json
import re
from pathlib import Path
from typing import Any

import pytest

from mlgitops.manifests import ManifestSet, load_manifests

BLUEPRINTS = Path(__file__).resolve().parents[2] / "data" / "blueprints" / "official"
TRUSTED_ERROR = "Connector URL is not matching the trusted connector endpoint regex"
PLACEHOLDER = re.compile(r"<(?:your|please|enter)[ _][^<>]*>", re.IGNORECASE)
AWS_KEYS = ["spec.credential.access_key", "spec.credential.secret_key", "spec.credential.session_token"]
REGION = ["spec.parameters.region"]
CONNECTOR_TEXT = ["spec.name", "spec.description", "spec.version"]

# As pasted: every blueprint placeholder left in is a located error (no misleading URL error).
EXPECTED_PLACEHOLDERS = {
    "amazon_comprehend": AWS_KEYS,
    "azure_openai_chat_client_config": [
        "spec.parameters.endpoint",
        "spec.parameters.deploy-name",
        "spec.credential.openAI_key",
    ],
    "bedrock_claude3_chat": [*AWS_KEYS, *REGION],
    "bedrock_converse_structured_output": [*AWS_KEYS, *REGION],
    "bedrock_titan_embedding": [*REGION, *AWS_KEYS],
    "cohere_chat": ["spec.credential.cohere_key"],
    "openai_batch_inference": ["spec.credential.openAI_key"],
    "openai_chat": [*CONNECTOR_TEXT, "spec.credential.openAI_key"],
    "openai_embedding": [*CONNECTOR_TEXT, "spec.credential.openAI_key"],
    "sagemaker_batch_inference": AWS_KEYS,
}
# With the placeholders filled in: only Azure fails, its host is not trusted by default.
EXPECTED_ERRORS = {stem: [] for stem in EXPECTED_PLACEHOLDERS} | {
    "azure_openai_chat_client_config": [TRUSTED_ERROR]
}


def corpus() -> list[str]:
    return sorted(p.stem for p in BLUEPRINTS.glob("*.json"))


def _fill(match: re.Match[str]) -> str:
    text = match.group(0).upper()
    return "us-east-1" if "REGION" in text else "1" if "VERSION" in text else "filled-in"


def load_blueprint(tmp_path: Path, stem: str, *, filled: bool = False, **kwargs: Any) -> ManifestSet:
    text = (BLUEPRINTS / f"{stem}.json").read_text(encoding="utf-8")
    body = json.loads(PLACEHOLDER.sub(_fill, text) if filled else text)
    document = {"apiVersion": "mlgitops/v1", "kind": "Connector", "metadata": {"name": stem}, "spec": body}
    path = tmp_path / f"{stem}.yaml"
    path.write_text(json.dumps(document, indent=2), encoding="utf-8")
    return load_manifests([path], allow_plaintext_credentials=kwargs.get("plaintext", True))


def test_every_blueprint_has_an_expected_outcome() -> None:
    assert corpus() == sorted(EXPECTED_ERRORS) == sorted(EXPECTED_PLACEHOLDERS)


@pytest.mark.parametrize("stem", sorted(EXPECTED_PLACEHOLDERS))
def test_pasted_blueprint_reports_each_placeholder_where_it_is(tmp_path: Path, stem: str) -> None:
    result = load_blueprint(tmp_path, stem)
    assert [issue.json_path for issue in result.errors] == EXPECTED_PLACEHOLDERS[stem]
    for issue in result.errors:
        if ".credential." in issue.json_path:
            assert "still holds the blueprint placeholder text" in issue.message
        else:
            assert issue.message.startswith("fill in the blueprint placeholder <")
    assert not any("trusted" in issue.message for issue in result.errors)


def test_region_placeholder_names_the_parameter_instead_of_an_untrusted_url(tmp_path: Path) -> None:
    result = load_blueprint(tmp_path, "bedrock_titan_embedding")
    assert "fill in the blueprint placeholder <PLEASE ADD YOUR AWS REGION HERE> in parameters.region" in [
        issue.message for issue in result.errors
    ]


@pytest.mark.parametrize("stem", sorted(EXPECTED_ERRORS))
def test_filled_blueprint_outcome_matches_ml_commons(tmp_path: Path, stem: str) -> None:
    result = load_blueprint(tmp_path, stem, filled=True)
    errors = [issue.message for issue in result.errors]
    assert len(errors) == len(EXPECTED_ERRORS[stem]), errors
    for message, expected in zip(errors, EXPECTED_ERRORS[stem], strict=True):
        assert message.endswith(expected)
        assert result.errors[0].json_path == "spec.actions[0].url"


def test_bedrock_sig_v4_auth_parameter_is_not_a_secret(tmp_path: Path) -> None:
    result = load_blueprint(tmp_path, "bedrock_claude3_chat", filled=True)
    assert result.ok
    assert not [w.message for w in result.warnings if "looks like a secret" in w.message]


def test_structured_output_field_is_a_warning(tmp_path: Path) -> None:
    result = load_blueprint(tmp_path, "openai_chat")
    assert "supports_structured_output is ML Commons 3.7+; 2.19 ignores it" in [
        w.message for w in result.warnings
    ]


def test_blueprints_need_references_without_the_plaintext_flag(tmp_path: Path) -> None:
    result = load_blueprint(tmp_path, "cohere_chat", filled=True, plaintext=False)
    assert [i.message for i in result.errors] == [
        "credential 'cohere_key' is a literal value: "
        "use {env: NAME} or {file: path} so no secret lives in git"
    ]
    assert "filled-in" not in repr(result)


def test_credential_placeholder_is_one_error_that_never_quotes_the_value(tmp_path: Path) -> None:
    result = load_blueprint(tmp_path, "cohere_chat", plaintext=False)
    assert [i.message for i in result.errors] == [
        "credential 'cohere_key' still holds the blueprint placeholder text: "
        "fill it in as {env: NAME} or {file: path} so no secret lives in git"
    ]
    assert "<ENTER_COHERE_API_KEY_HERE>" not in repr(result)
