"""``mlgitops engine info|rotate-key`` and the facade's loopback guard, in-process."""

import json
from pathlib import Path

import pytest
from enginekit import SECRET, connector_body

from mlgitops.cli.main import main
from mlgitops.engine import LocalEngine, keyfile
from mlgitops.engine.server import is_loopback, make_server
from mlgitops.errors import ConfigError


@pytest.fixture(autouse=True)
def _no_env_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MLGITOPS_MASTER_KEY", raising=False)


def _seed(directory: Path) -> str:
    with LocalEngine(directory) as engine:
        return str(engine.connectors.create(connector_body())["connector_id"])


def test_info_shows_counts_and_fingerprint_never_secrets(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _seed(tmp_path)
    assert main(["engine", "info", "--dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    info = json.loads(out)
    assert (info["connectors"], info["credentials"], info["models"]) == (1, 1, 0)
    assert len(info["master_key_fingerprint"]) == 16
    assert SECRET not in out
    assert (tmp_path / "master.key").read_text().strip() not in out


def test_rotate_key(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    connector_id = _seed(tmp_path)
    before = keyfile.read_key(tmp_path / "master.key")
    assert main(["engine", "rotate-key", "--dir", str(tmp_path)]) == 0
    assert "master key rotated" in capsys.readouterr().out
    assert keyfile.read_key(tmp_path / "master.key") != before
    with LocalEngine(tmp_path) as engine, engine.store.read() as tx:
        assert engine.vault.load(tx, connector_id)["openAI_key"].get_secret_value() == SECRET


def test_wrong_key_is_a_one_line_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _seed(tmp_path)
    monkeypatch.setenv("MLGITOPS_MASTER_KEY", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")
    assert main(["engine", "info", "--dir", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: the master key in MLGITOPS_MASTER_KEY")
    assert "Traceback" not in err


def test_loopback_guard(tmp_path: Path) -> None:
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("example.com")
    with LocalEngine(tmp_path) as engine:
        with pytest.raises(ConfigError, match="--allow-remote"):
            make_server(engine, "192.0.2.1", 0)
        server = make_server(engine, "127.0.0.1", 0)
        assert server.url.startswith("http://127.0.0.1:")
        server.server_close()
