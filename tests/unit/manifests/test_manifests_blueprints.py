"""The official blueprint corpus: each body validates or fails exactly as ML Commons 2.19 would.

mlcommons-api.md section 5 "Expected outcomes" (we follow 2.19, so the 3.1+ safe-text name rule does
not apply): the three Bedrock bodies fail the trusted endpoint regex because their region is a
placeholder, Azure fails it because Azure is not trusted by default, the rest pass. Decision for
``supports_structured_output`` (3.7+, in openai_chat and bedrock_converse): accepted with a warning,
since 2.19 skips unknown action fields silently.
"""

import json
from pathlib import Path

import pytest

from mlgitops.manifests import ManifestSet, load_manifests

BLUEPRINTS = Path(__file__).resolve().parents[3] / ".." / "shared" / "blueprints"
TRUSTED_ERROR = "Connector URL is not matching the trusted connector endpoint regex"
REAL_REGION = "us-east-1"

EXPECTED_ERRORS = {
    "amazon_comprehend": [],
    "azure_openai_chat_client_config": [TRUSTED_ERROR],
    "bedrock_claude3_chat": [TRUSTED_ERROR],
    "bedrock_converse_structured_output": [TRUSTED_ERROR],
    "bedrock_titan_embedding": [TRUSTED_ERROR],
    "cohere_chat": [],
    "openai_batch_inference": [],
    "openai_chat": [],
    "openai_embedding": [],
    "sagemaker_batch_inference": [],
}

pytestmark = pytest.mark.skipif(not BLUEPRINTS.is_dir(), reason=f"blueprint corpus not found at {BLUEPRINTS}")


def corpus() -> list[str]:
    return sorted(p.stem for p in BLUEPRINTS.glob("*.json")) if BLUEPRINTS.is_dir() else []


def load_blueprint(tmp_path: Path, stem: str, replace: tuple[str, str] | None = None) -> ManifestSet:
    body = json.loads((BLUEPRINTS / f"{stem}.json").read_text(encoding="utf-8"))
    if replace is not None:
        body = json.loads(json.dumps(body).replace(*replace))
    document = {"apiVersion": "mlgitops/v1", "kind": "Connector", "metadata": {"name": stem}, "spec": body}
    path = tmp_path / f"{stem}.yaml"
    path.write_text(json.dumps(document, indent=2), encoding="utf-8")
    return load_manifests([path], allow_plaintext_credentials=True)


def test_every_blueprint_has_an_expected_outcome() -> None:
    assert corpus() == sorted(EXPECTED_ERRORS)


@pytest.mark.parametrize("stem", sorted(EXPECTED_ERRORS))
def test_blueprint_outcome_matches_ml_commons(tmp_path: Path, stem: str) -> None:
    result = load_blueprint(tmp_path, stem)
    errors = [issue.message for issue in result.errors]
    assert len(errors) == len(EXPECTED_ERRORS[stem]), errors
    for message, expected in zip(errors, EXPECTED_ERRORS[stem], strict=True):
        assert message.endswith(expected)
        assert result.errors[0].json_path == "spec.actions[0].url"


@pytest.mark.parametrize("stem", [s for s in sorted(EXPECTED_ERRORS) if s.startswith("bedrock")])
def test_bedrock_blueprints_pass_with_a_real_region(tmp_path: Path, stem: str) -> None:
    result = load_blueprint(tmp_path, stem, ("<PLEASE ADD YOUR AWS REGION HERE>", REAL_REGION))
    assert result.ok, result.errors


def test_structured_output_field_is_a_warning(tmp_path: Path) -> None:
    result = load_blueprint(tmp_path, "openai_chat")
    assert "supports_structured_output is ML Commons 3.7+; 2.19 ignores it" in [
        w.message for w in result.warnings
    ]


def test_blueprints_need_references_without_the_plaintext_flag(tmp_path: Path) -> None:
    body = json.loads((BLUEPRINTS / "cohere_chat.json").read_text(encoding="utf-8"))
    path = tmp_path / "c.yaml"
    path.write_text(
        json.dumps(
            {"apiVersion": "mlgitops/v1", "kind": "Connector", "metadata": {"name": "c"}, "spec": body}
        )
    )
    result = load_manifests([path])
    assert [i.message for i in result.errors] == [
        "credential 'cohere_key' is a literal value: "
        "use {env: NAME} or {file: path} so no secret lives in git"
    ]
    assert "<ENTER_COHERE_API_KEY_HERE>" not in repr(result)
