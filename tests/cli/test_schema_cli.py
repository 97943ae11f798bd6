"""``mlgitops schema``: write, check (stale and missing files), print."""

import json
from pathlib import Path

import pytest

from mlgitops.cli.main import main

ROOT = Path(__file__).resolve().parents[2]
FILES = {
    "clustersettings.schema.json",
    "modelgroup.schema.json",
    "connector.schema.json",
    "model.schema.json",
    "ingestpipeline.schema.json",
    "searchpipeline.schema.json",
    "agent.schema.json",
    "manifest.schema.json",
}


def test_write_then_check(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "schemas"
    assert main(["schema", "--check", "--dir", str(target)]) == 1
    err = capsys.readouterr().err
    assert f"error: {target / 'connector.schema.json'} (missing)" in err
    assert "run `mlgitops schema --write`" in err
    assert main(["schema", "--write", "--dir", str(target)]) == 0
    assert {p.name for p in target.iterdir()} == FILES
    assert main(["schema", "--check", "--dir", str(target)]) == 0


def test_check_reports_stale_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema", "--write", "--dir", str(tmp_path)]) == 0
    (tmp_path / "model.schema.json").write_text("{}\n")
    capsys.readouterr()
    assert main(["schema", "--check", "--dir", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert f"error: {tmp_path / 'model.schema.json'} (stale)" in err
    assert "connector.schema.json" not in err


def test_repository_schemas_are_current(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema", "--check", "--dir", str(ROOT / "schemas")]) == 0, capsys.readouterr().err


def test_without_mode_prints_the_document_schema(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert schema["properties"]["kind"]["enum"] == [
        "ClusterSettings",
        "ModelGroup",
        "Connector",
        "Model",
        "IngestPipeline",
        "SearchPipeline",
        "Agent",
    ]


def test_write_and_check_are_exclusive(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["schema", "--write", "--check"])
    assert caught.value.code == 64


def test_unreadable_schema_file_is_stale(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema", "--write", "--dir", str(tmp_path)]) == 0
    (tmp_path / "connector.schema.json").write_bytes(b"\xff\xfe")
    capsys.readouterr()
    assert main(["schema", "--check", "--dir", str(tmp_path)]) == 1
    assert f"error: {tmp_path / 'connector.schema.json'} (stale)" in capsys.readouterr().err


def test_write_failure_is_a_one_line_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    assert main(["schema", "--write", "--dir", str(blocker / "schemas")]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"error: cannot write schemas to {blocker / 'schemas'}: ")
    assert len(err.splitlines()) == 1
