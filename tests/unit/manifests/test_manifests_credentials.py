"""Credential references resolved to SecretStr at apply time; never a value in a message."""

from pathlib import Path

import pytest
from manifest_helpers import CONNECTOR, Loader

from mlgitops.errors import ManifestError
from mlgitops.manifests import SourcedDocument, resolve_credentials

TWO = CONNECTOR.replace(
    "    key: {env: OPENAI_API_KEY}\n",
    "    key: {env: OPENAI_API_KEY}\n    other: {file: secrets/other.txt}\n",
)


def only(load: Loader, text: str, **kwargs: object) -> SourcedDocument:
    result = load(text, **kwargs)
    assert result.ok, result.issues
    (doc,) = result.documents
    return doc


def test_env_and_file_references_resolve(load_text: Loader, tmp_path: Path) -> None:
    (tmp_path / "secrets").mkdir()
    (tmp_path / "secrets" / "other.txt").write_text("file-secret\n")
    doc = only(load_text, TWO)
    resolved = resolve_credentials(doc, environ={"OPENAI_API_KEY": "env-secret"})
    assert {k: v.get_secret_value() for k, v in resolved.items()} == {
        "key": "env-secret",
        "other": "file-secret",
    }
    assert "env-secret" not in repr(resolved)


def test_missing_references_are_located_errors_without_values(load_text: Loader, tmp_path: Path) -> None:
    doc = only(load_text, TWO)
    with pytest.raises(ManifestError) as caught:
        resolve_credentials(doc, environ={})
    issues = caught.value.issues
    assert len(issues) == 2
    assert str(caught.value) == (
        f"{tmp_path / 'm.yaml'}:12:5: error: credential 'key': environment variable OPENAI_API_KEY is not set"
        " (and 1 more)"
    )
    assert f"file {tmp_path / 'secrets/other.txt'}: cannot read" in str(issues[1])


def test_empty_values_are_errors(load_text: Loader, tmp_path: Path) -> None:
    (tmp_path / "secrets").mkdir()
    (tmp_path / "secrets" / "other.txt").write_text("  \n")
    with pytest.raises(ManifestError) as caught:
        resolve_credentials(only(load_text, TWO), environ={"OPENAI_API_KEY": ""})
    assert [i.message for i in caught.value.issues] == [  # type: ignore[attr-defined]
        "credential 'key': environment variable OPENAI_API_KEY is empty",
        f"credential 'other': file {tmp_path / 'secrets/other.txt'} is empty",
    ]


def test_plaintext_needs_the_flag(load_text: Loader) -> None:
    text = CONNECTOR.replace("key: {env: OPENAI_API_KEY}", "key: sk-literal")
    doc = only(load_text, text, allow_plaintext_credentials=True)
    with pytest.raises(ManifestError) as caught:
        resolve_credentials(doc, environ={})
    assert "sk-literal" not in str(caught.value)
    assert resolve_credentials(doc, allow_plaintext=True)["key"].get_secret_value() == "sk-literal"


def test_inline_connector_credentials_resolve(load_text: Loader) -> None:
    model = (
        "apiVersion: mlgitops/v1\nkind: Model\nmetadata: {name: m}\nspec:\n  function_name: remote\n"
        "  inline_connector:\n    protocol: http\n    credential: {k: {env: K}}\n    actions:\n"
        "      - {action_type: predict, method: POST, url: 'https://api.openai.com/v1/x'}\n"
    )
    doc = only(load_text, model)
    assert resolve_credentials(doc, environ={"K": "v"})["k"].get_secret_value() == "v"


def test_documents_without_credentials_resolve_to_nothing(load_text: Loader) -> None:
    doc = only(load_text, "apiVersion: mlgitops/v1\nkind: ModelGroup\nmetadata: {name: g}\nspec: {}\n")
    assert resolve_credentials(doc, environ={}) == {}


def test_file_reference_to_a_device_is_refused_not_read(load_text: Loader) -> None:
    doc = only(load_text, CONNECTOR.replace("{env: OPENAI_API_KEY}", "{file: /dev/zero}"))
    with pytest.raises(ManifestError) as caught:
        resolve_credentials(doc, environ={})
    assert [i.message for i in caught.value.issues] == [  # type: ignore[attr-defined]
        "credential 'key': file /dev/zero: not a regular file (a device, pipe or socket)"
    ]
