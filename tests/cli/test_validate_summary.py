"""The validate summary counts every document read, not only those that validated."""

import json
from pathlib import Path

import pytest

from mlgitops.cli.main import main
from mlgitops.manifests import load_manifests

GROUP = "apiVersion: mlgitops/v1\nkind: ModelGroup\nmetadata: {{name: {name}}}\nspec: {{}}\n"


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """One valid group, three broken groups, an empty document, and a file YAML refuses halfway."""
    monkeypatch.chdir(tmp_path)
    root = tmp_path / "manifests"
    root.mkdir()
    broken = [GROUP.format(name=f"g{n}").replace("spec: {}", "spec: {colour: red}") for n in range(3)]
    (root / "a.yaml").write_text("---\n".join([GROUP.format(name="ok"), *broken, ""]))
    (root / "b.yaml").write_text(GROUP.format(name="fine") + "---\nkey: [unclosed\nnext: 2\n")
    return root


def test_load_manifests_counts_every_document_read(tree: Path) -> None:
    result = load_manifests([tree])
    assert len(result.documents) == 2
    assert result.documents_read == 6  # 2 valid, 3 invalid, 1 that YAML refused; the empty one is skipped
    assert len(result.errors) == 4


def test_text_summary_counts_invalid_documents(tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(tree)]) == 1
    assert capsys.readouterr().err.strip() == "4 errors, 0 warnings in 6 documents"


def test_json_counts_read_and_valid_documents(tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "--output", "json", str(tree)]) == 1
    body = json.loads(capsys.readouterr().out)
    assert (body["documents"], body["valid_documents"], body["errors"]) == (6, 2, 4)


def test_all_invalid_is_not_zero_documents(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("---\n".join(GROUP.format(name=f"-bad{n}") for n in range(3)))
    assert main(["validate", "--output", "github", str(path)]) == 1
    assert capsys.readouterr().err.strip() == "3 errors, 0 warnings in 3 documents"


def test_unreadable_file_reads_no_document(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "bin.yaml"
    path.write_bytes(b"a: 1\x00")
    assert main(["validate", str(path)]) == 1
    assert capsys.readouterr().err.strip() == "1 error, 0 warnings in 0 documents"
