"""Credential vault: encryption at rest, tampering, wrong/missing/env keys, rotation and its recovery."""

import base64
import os
import sqlite3
import stat
from pathlib import Path

import httpx
import pytest
from enginekit import OPENAI_URL, SECRET, connector_body, create_connector, ok

from mlgitops.engine import LocalEngine
from mlgitops.engine.storage import crypto, keyfile
from mlgitops.engine.storage.vault import FINGERPRINT_META
from mlgitops.errors import CredentialStoreError


def _secret_in(directory: Path, secret: str) -> list[str]:
    needles = [secret.encode(), secret.encode("utf-16-le"), base64.b64encode(secret.encode())]
    return [str(p) for p in directory.rglob("*") if p.is_file() and any(n in p.read_bytes() for n in needles)]


def _load(engine: LocalEngine, owner: str) -> dict[str, str]:
    with engine.store.read() as tx:
        return {k: v.get_secret_value() for k, v in engine.vault.load(tx, owner).items()}


def test_no_plaintext_secret_on_disk(engine: LocalEngine, client: httpx.Client, engine_dir: Path) -> None:
    connector_id = create_connector(client)
    ok(client.put(f"/_plugins/_ml/connectors/{connector_id}", json={"credential": {"second": SECRET + "-2"}}))
    ok(
        client.post(
            "/_plugins/_ml/models/_register",
            json={"name": "m", "function_name": "remote", "connector_id": connector_id},
        )
    )
    inline = connector_body(credential={"openAI_key": SECRET + "-inline"})
    model_id = ok(
        client.post(
            "/_plugins/_ml/models/_register",
            json={"name": "i", "function_name": "remote", "connector": inline},
        )
    )["model_id"]
    assert {p.name for p in engine_dir.iterdir()} >= {"engine.db", "engine.db-wal", "master.key"}
    assert _secret_in(engine_dir, SECRET) == []
    assert _load(engine, connector_id) == {"openAI_key": SECRET, "second": SECRET + "-2"}
    assert _load(engine, model_id) == {"openAI_key": SECRET + "-inline"}
    engine.close()
    assert _secret_in(engine_dir, SECRET) == []


def test_key_file_is_private(engine: LocalEngine, engine_dir: Path) -> None:
    mode = stat.S_IMODE((engine_dir / "master.key").stat().st_mode)
    assert mode == 0o600
    assert len(crypto.decode_key((engine_dir / "master.key").read_text(), "test")) == 32


def test_fresh_nonce_per_value(engine: LocalEngine) -> None:
    with engine.store.write() as tx:
        engine.vault.store(tx, "a", {"k": "same"})
        engine.vault.store(tx, "b", {"k": "same"})
        tokens = {row[2] for row in tx.ciphertexts()}
    assert len(tokens) == 2


def test_tampered_ciphertext_is_detected(engine: LocalEngine, client: httpx.Client, engine_dir: Path) -> None:
    connector_id = create_connector(client)
    engine.close()
    with sqlite3.connect(engine_dir / "engine.db") as db:
        (token,) = db.execute("SELECT ciphertext FROM credentials").fetchone()
        raw = bytearray(base64.b64decode(token))
        raw[-1] ^= 0x01
        db.execute("UPDATE credentials SET ciphertext = ?", (base64.b64encode(bytes(raw)).decode(),))
    db.close()
    with LocalEngine(engine_dir) as reopened, pytest.raises(CredentialStoreError) as caught:
        _load(reopened, connector_id)
    assert "tampered with or the master key is wrong" in str(caught.value)
    assert SECRET not in str(caught.value)


def test_ciphertext_is_bound_to_its_owner(engine: LocalEngine, client: httpx.Client) -> None:
    first, second = create_connector(client), create_connector(client)
    with engine.store.write() as tx:
        ((_, _, token),) = tx.ciphertexts(first)
        tx.put_ciphertext(second, "openAI_key", token)
    with pytest.raises(CredentialStoreError):
        _load(engine, second)


def test_wrong_key_is_refused(engine: LocalEngine, client: httpx.Client, engine_dir: Path) -> None:
    create_connector(client)
    engine.close()
    keyfile.write_replace(engine_dir / "master.key", crypto.generate_key())
    with pytest.raises(CredentialStoreError, match="is not the key the credential store was encrypted with"):
        LocalEngine(engine_dir)


def test_missing_key_file_is_refused(engine: LocalEngine, engine_dir: Path) -> None:
    engine.close()
    (engine_dir / "master.key").unlink()
    with pytest.raises(CredentialStoreError, match=r"master key file .* is missing"):
        LocalEngine(engine_dir)


def test_key_from_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    key = crypto.generate_key()
    monkeypatch.setenv("MLGITOPS_MASTER_KEY", crypto.encode_key(key))
    with LocalEngine(tmp_path) as engine:
        assert engine.vault.fingerprint == crypto.fingerprint(key)
        assert not (tmp_path / "master.key").exists()
        with pytest.raises(CredentialStoreError, match="unset it to rotate"):
            engine.rotate_key()
    monkeypatch.setenv("MLGITOPS_MASTER_KEY", crypto.encode_key(crypto.generate_key()))
    with pytest.raises(CredentialStoreError, match="MLGITOPS_MASTER_KEY"):
        LocalEngine(tmp_path)
    monkeypatch.setenv("MLGITOPS_MASTER_KEY", "not base64!")
    with pytest.raises(CredentialStoreError, match="not valid base64"):
        LocalEngine(tmp_path)


def test_rotation_reencrypts_everything(engine: LocalEngine, client: httpx.Client, engine_dir: Path) -> None:
    connector_id = create_connector(client)
    old_key = keyfile.read_key(engine_dir / "master.key")
    assert old_key is not None
    with engine.store.read() as tx:
        old_tokens = tx.ciphertexts()
    fingerprint = engine.rotate_key()
    assert fingerprint != crypto.fingerprint(old_key)
    assert {p.name for p in engine_dir.iterdir()} <= {
        "engine.db",
        "engine.db-wal",
        "engine.db-shm",
        "master.key",
    }
    assert _secret_in(engine_dir, SECRET) == []
    assert _load(engine, connector_id) == {"openAI_key": SECRET}
    with engine.store.read() as tx:
        ((owner, name, token),) = tx.ciphertexts()
    with pytest.raises(CredentialStoreError):
        crypto.decrypt(old_key, token, crypto.associated_data(owner, name), "x")
    assert token != old_tokens[0][2]
    engine.close()
    with LocalEngine(engine_dir) as reopened:
        assert _load(reopened, connector_id) == {"openAI_key": SECRET}
        assert reopened.vault.fingerprint == fingerprint


def test_other_process_sees_rotation(engine: LocalEngine, client: httpx.Client, engine_dir: Path) -> None:
    connector_id = create_connector(client)
    with LocalEngine(engine_dir) as other:
        other.rotate_key()
    assert _load(engine, connector_id) == {"openAI_key": SECRET}


def test_interrupted_rotation_before_commit_is_discarded(
    engine: LocalEngine, client: httpx.Client, engine_dir: Path
) -> None:
    connector_id = create_connector(client)
    engine.close()
    keyfile.write_replace(engine_dir / "master.key.new", crypto.generate_key())
    with LocalEngine(engine_dir) as reopened:
        assert _load(reopened, connector_id) == {"openAI_key": SECRET}
    assert not (engine_dir / "master.key.new").exists()


def test_interrupted_rotation_after_commit_is_finished(
    engine: LocalEngine, client: httpx.Client, engine_dir: Path
) -> None:
    connector_id = create_connector(client)
    new_key = crypto.generate_key()
    old_key = keyfile.read_key(engine_dir / "master.key")
    assert old_key is not None
    with engine.store.write() as tx:  # what rotate() does before the final rename
        keyfile.write_replace(engine_dir / "master.key.new", new_key)
        for owner, name, token in tx.ciphertexts():
            plain = crypto.decrypt(old_key, token, crypto.associated_data(owner, name), "x")
            tx.put_ciphertext(
                owner, name, crypto.encrypt(new_key, plain, crypto.associated_data(owner, name))
            )
        tx.meta_set(FINGERPRINT_META, crypto.fingerprint(new_key))
    engine.close()
    with LocalEngine(engine_dir) as reopened:
        assert _load(reopened, connector_id) == {"openAI_key": SECRET}
    assert keyfile.read_key(engine_dir / "master.key") == new_key
    assert not (engine_dir / "master.key.new").exists()


def test_vault_repr_has_no_key(engine: LocalEngine, engine_dir: Path) -> None:
    key_text = (engine_dir / "master.key").read_text().strip()
    assert key_text not in repr(engine.vault)
    assert key_text not in repr(engine)
    assert os.environ.get("MLGITOPS_MASTER_KEY") is None


def test_concurrent_first_start_creates_one_key(tmp_path: Path) -> None:
    path = tmp_path / "master.key"
    assert keyfile.create_exclusive(path, crypto.generate_key())
    first = keyfile.read_key(path)
    assert not keyfile.create_exclusive(path, crypto.generate_key())
    assert keyfile.read_key(path) == first
    assert [p.name for p in tmp_path.iterdir()] == ["master.key"]


def test_no_response_ever_carries_a_credential(client: httpx.Client) -> None:
    connector_id = create_connector(client)
    inline = connector_body(name="inline")
    model_id = ok(
        client.post(
            "/_plugins/_ml/models/_register",
            json={"name": "m", "function_name": "remote", "connector": inline},
        )
    )["model_id"]
    untrusted = connector_body(actions=[{**inline["actions"][0], "url": "https://evil.example/x"}])
    responses = [
        client.get(f"/_plugins/_ml/connectors/{connector_id}"),
        client.get("/_plugins/_ml/connectors/_search"),
        client.post("/_plugins/_ml/connectors/_search", json={"query": {"match_all": {}}}),
        client.get(f"/_plugins/_ml/models/{model_id}"),
        client.post("/_plugins/_ml/models/_search", json={}),
        client.post("/.plugins-ml-connector/_search", json={}),
        client.post("/_plugins/_ml/connectors/_create", json=untrusted),
        client.put(f"/_plugins/_ml/connectors/{connector_id}", json={"credential": {"openAI_key": SECRET}}),
    ]
    assert [r.status_code for r in responses] == [200] * 6 + [400, 200]
    assert responses[3].json()["connector"]["actions"][0]["url"] == OPENAI_URL
    for response in responses:
        assert SECRET not in response.text
        assert '"credential"' not in response.text


def test_key_file_write_failure_is_one_clear_error_and_leaves_no_temp_file(tmp_path: Path) -> None:
    target = tmp_path / "master.key"
    (target / "occupied").mkdir(parents=True)  # a non-empty directory cannot be replaced by a file
    with pytest.raises(CredentialStoreError, match=r"^cannot write master key file .*master\.key: "):
        keyfile.write_replace(target, crypto.generate_key())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["master.key"]


def test_rotation_promoted_by_another_process_first_is_not_an_error(tmp_path: Path) -> None:
    new_key = crypto.generate_key()
    keyfile.write_replace(tmp_path / "master.key", crypto.generate_key())
    keyfile.write_replace(tmp_path / "master.key.new", new_key)
    keyfile.promote(tmp_path / "master.key.new", tmp_path / "master.key", new_key)  # the other process
    keyfile.promote(tmp_path / "master.key.new", tmp_path / "master.key", new_key)  # the rotating one
    assert keyfile.read_key(tmp_path / "master.key") == new_key
    with pytest.raises(CredentialStoreError, match="cannot write master key file"):
        keyfile.promote(tmp_path / "master.key.new", tmp_path / "master.key", crypto.generate_key())


def test_unreadable_key_file_is_a_clear_error_without_its_bytes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MLGITOPS_MASTER_KEY", raising=False)
    (tmp_path / "master.key").write_bytes(b"\xc3\xa9" * 22)
    (tmp_path / "master.key").chmod(0o600)
    with pytest.raises(CredentialStoreError) as caught:
        LocalEngine(tmp_path)
    assert str(caught.value) == f"master key in {tmp_path / 'master.key'} is not valid base64"
    (tmp_path / "master.key").unlink()
    (tmp_path / "master.key").mkdir()
    with pytest.raises(CredentialStoreError, match=r"^master key file .* is a directory, not a regular file"):
        LocalEngine(tmp_path)
