"""Damaged engine stores are found before a predict fails; the credential-digest key is never in clear."""

import json
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from clikit import run
from manifestkit import documents, model_group, openai_connector, remote_model
from mlgitops.cli.main import main
from mlgitops.engine import LocalEngine
from mlgitops.engine.storage import sealing

SECRET = "sk-integrity-secret-77aa"
MANIFESTS = documents(
    model_group("grp", "integrity"),
    openai_connector("emb", "OPENAI_API_KEY", request_body='{ "input": ${parameters.input} }'),
    remote_model("emb", "emb", group="grp"),
)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Path:
    monkeypatch.delenv("MLGITOPS_MASTER_KEY", raising=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    (tmp_path / "m.yaml").write_text(MANIFESTS)
    assert main(["reconcile", "m.yaml", "--target", "local:state"]) == 0, capsys.readouterr().err
    capsys.readouterr()
    return tmp_path / "state"


def _connector_id(state: Path) -> str:
    with LocalEngine(state) as engine:
        hits = engine.documents.search(".plugins-ml-connector", None, {})["hits"]["hits"]
    return str(hits[0]["_id"])


def _corrupt(state: Path, owner: str) -> None:
    """Flip one byte of a stored ciphertext, as a damaged disk or a tampering process would."""
    with closing(sqlite3.connect(state / "engine.db")) as db, db:
        (token,) = db.execute("SELECT ciphertext FROM credentials WHERE owner_id = ?", (owner,)).fetchone()
        flipped = token[:20] + ("A" if token[20] != "A" else "B") + token[21:]
        db.execute("UPDATE credentials SET ciphertext = ? WHERE owner_id = ?", (flipped, owner))


def test_the_digest_key_is_not_stored_in_clear(project: Path) -> None:
    with LocalEngine(project) as engine:
        status, document = engine.documents.get(".mlgitops", "digest-key")
    assert status == 200
    key = document["_source"]["key"]
    assert len(key) == 64
    with closing(sqlite3.connect(project / "engine.db")) as db:
        rows = db.execute("SELECT source FROM documents WHERE idx = '.mlgitops'").fetchall()
        dumped = "\n".join(row[0] for row in db.iterdump())
    assert rows
    assert key not in dumped
    assert key.encode() not in b"".join(p.read_bytes() for p in project.iterdir() if p.is_file())


def test_a_search_sees_a_sealed_document_as_a_get_does(project: Path) -> None:
    """The document API shows the whole document as written, whether it is read by id or found."""
    with LocalEngine(project) as engine:
        by_id = engine.documents.get(".mlgitops", "digest-key")[1]["_source"]
        hits = engine.documents.search(".mlgitops", None, {})["hits"]["hits"]
    found = [hit["_source"] for hit in hits if hit["_id"] == "digest-key"]
    assert found == [by_id] and len(by_id["key"]) == 64


def test_a_digest_key_left_in_clear_by_an_older_version_is_sealed_on_open(tmp_path: Path) -> None:
    with LocalEngine(tmp_path) as engine:
        engine.store.sealer = None  # as an older version wrote it
        engine.documents.index(".mlgitops", "digest-key", {"type": "digest-key", "key": "ab" * 32}, {})
    with closing(sqlite3.connect(tmp_path / "engine.db")) as db:
        assert "ab" * 32 in db.execute("SELECT source FROM documents").fetchone()[0]
    with LocalEngine(tmp_path) as engine:
        assert engine.documents.get(".mlgitops", "digest-key")[1]["_source"]["key"] == "ab" * 32
        assert engine.info()["sealed_document_fields"] == 1
    with closing(sqlite3.connect(tmp_path / "engine.db")) as db:
        assert "ab" * 32 not in db.execute("SELECT source FROM documents").fetchone()[0]


def test_deleting_the_digest_key_document_drops_its_sealed_value(project: Path) -> None:
    with LocalEngine(project) as engine:
        engine.documents.delete(".mlgitops", "digest-key", {})
        assert engine.info()["sealed_document_fields"] == 0
        assert engine.documents.get(".mlgitops", "digest-key")[0] == 404


def test_a_healthy_engine_checks_clean(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "engine", "check", "--dir", "state")
    assert (code, out, err) == (0, "all 1 stored credential value(s) of state decrypt\n", "")


def test_check_and_plan_find_a_corrupted_credential_and_reconcile_repairs_it(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    connector_id = _connector_id(project)
    _corrupt(project, connector_id)
    code, out, err = run(capsys, "engine", "check", "--dir", "state")
    assert code == 1
    assert out == (
        "Connector/emb: the stored credential 'openAI_key' no longer decrypts (the engine store was damaged "
        "or tampered with); re-apply it: mlgitops reconcile --target local:state\n"
    )
    assert err == "error: 1 stored credential value(s) of state no longer decrypt\n"
    code, out, err = run(capsys, "plan", "m.yaml", "--target", "local:state", "--detailed-exitcode")
    assert code == 2, err
    assert "warning: Connector/emb: the stored credential 'openAI_key' no longer decrypts" in out
    assert "(sensitive value changed)" in out
    code, out, _ = run(capsys, "plan", "m.yaml", "--target", "local:state", "--output", "json")
    assert any("no longer decrypts" in warning for warning in json.loads(out)["warnings"])
    assert SECRET not in out
    assert main(["reconcile", "m.yaml", "--target", "local:state"]) == 0
    capsys.readouterr()
    assert run(capsys, "engine", "check", "--dir", "state")[0] == 0
    assert run(capsys, "plan", "m.yaml", "--target", "local:state", "--detailed-exitcode")[0] == 0


def test_check_names_unmanaged_resources_and_sealed_documents(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _corrupt(project, sealing.owner_id(".mlgitops", "digest-key"))
    code, out, _ = run(capsys, "engine", "check", "--dir", "state")
    assert code == 1
    assert out.startswith("document .mlgitops/digest-key: sealed field 'key' no longer decrypts")
    assert "Connector/emb" not in out


def test_check_of_a_missing_engine_is_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "engine", "check", "--dir", str(tmp_path / "none"))
    assert (code, err) == (1, f"error: no engine at {tmp_path / 'none'} (reconcile creates it)\n")
