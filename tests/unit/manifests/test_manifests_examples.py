"""The example manifests in manifests/ validate against every environment of mlgitops.yaml."""

import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from mlgitops.manifests import load_manifests, project_variables, read_project_config
from mlgitops.manifests.loading import find_manifest_files, read_manifest_file
from mlgitops.model.resources import Kind

ROOT = Path(__file__).resolve().parents[3]
MANIFESTS = ROOT / "manifests"
PROJECT = ROOT / "mlgitops.yaml"
SCHEMA_LINE = "# yaml-language-server: $schema=../schemas/manifest.schema.json"


@pytest.mark.parametrize("environment", [None, "demo", "dev", "staging", "prod"])
def test_examples_have_no_errors(environment: str | None) -> None:
    variables = project_variables(read_project_config(PROJECT), environment)
    result = load_manifests([MANIFESTS], variables=variables)
    assert result.errors == ()
    names = {doc.key.name for doc in result.documents if doc.kind == Kind.MODEL}
    expected = {
        "openai-chat",
        "openai-embedding",
        "cohere-embedding",
        "bedrock-titan-embedding",
        "sagemaker-embedding",
    }
    assert names == expected


def test_demo_points_every_connector_at_the_stand_in() -> None:
    variables = project_variables(read_project_config(PROJECT), "demo")
    result = load_manifests([MANIFESTS], variables=variables)
    for doc in result.of_kind(Kind.CONNECTOR):
        assert doc.document.spec.parameters["endpoint"] == "127.0.0.1:8765"  # type: ignore[union-attr]
    (settings,) = result.of_kind(Kind.CLUSTER_SETTINGS)
    assert settings.document.spec.get("plugins.ml_commons.connector.private_ip_enabled") is True  # type: ignore[union-attr]


def test_credentials_are_environment_references() -> None:
    text = "".join(p.read_text() for p in MANIFESTS.glob("*.yaml"))
    for name in ("OPENAI_API_KEY", "COHERE_API_KEY", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        assert f"{{env: {name}}}" in text


def test_examples_carry_the_schema_line_and_match_the_editor_schema() -> None:
    schema = json.loads((ROOT / "schemas" / "manifest.schema.json").read_text())
    validator = Draft202012Validator(schema)
    files, _ = find_manifest_files([MANIFESTS])
    for file in files:
        assert file.read_text().startswith(SCHEMA_LINE + "\n"), file
        assert (file.parent / "../schemas/manifest.schema.json").is_file()
        documents, issues = read_manifest_file(file)
        assert issues == []
        for raw in documents:
            assert list(validator.iter_errors(raw.data)) == [], (file, raw.index)
