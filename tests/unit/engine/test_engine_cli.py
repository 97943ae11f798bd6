"""``mlgitops engine info|rotate-key`` and the facade's loopback guard, in-process."""

import json
import signal
import socket
import threading
from pathlib import Path

import pytest
from enginekit import SECRET, connector_body

from mlgitops.cli import serving
from mlgitops.cli.errors import EXIT_USAGE
from mlgitops.cli.main import main
from mlgitops.engine import LocalEngine
from mlgitops.engine.http.server import is_loopback, make_server
from mlgitops.engine.storage import keyfile
from mlgitops.errors import ConfigError
from serverkit import start_engine, stop_signalled


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


@pytest.mark.parametrize("port", ["99999", "-1", "http"])
def test_a_bad_port_is_a_usage_error(tmp_path: Path, port: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["engine", "serve", "--dir", str(tmp_path), "--port", port])
    assert exited.value.code == EXIT_USAGE
    err = capsys.readouterr().err
    assert f"argument --port: invalid port {port if port != 'http' else repr(port)}" in err
    assert "Traceback" not in err
    assert not (tmp_path / "engine.db").exists()


def test_make_server_refuses_an_out_of_range_port(tmp_path: Path) -> None:
    with LocalEngine(tmp_path) as engine, pytest.raises(ConfigError, match="between 0 and 65535"):
        make_server(engine, "127.0.0.1", 70000)


def test_a_busy_port_is_a_one_line_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        assert main(["engine", "serve", "--dir", str(tmp_path), "--port", str(port)]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"error: cannot listen on 127.0.0.1:{port}: ")
    assert err.count("\n") == 1


def test_a_dir_that_is_a_file_is_a_one_line_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "file").write_text("x")
    for directory in (tmp_path / "file", tmp_path / "file" / "sub"):
        assert main(["engine", "info", "--dir", str(directory)]) == 1
        err = capsys.readouterr().err
        assert err.startswith(f"error: cannot use engine directory {directory}: ")
        assert err.count("\n") == 1


def test_a_corrupt_database_is_a_one_line_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "engine.db").write_bytes(b"not a database " * 200)
    assert main(["engine", "rotate-key", "--dir", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert err == f"error: cannot open engine database {tmp_path / 'engine.db'}: file is not a database\n"
    assert not (tmp_path / "master.key").exists()


def test_serve_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    process, _ = start_engine(tmp_path)
    process.send_signal(signal.SIGTERM)
    _, stderr = stop_signalled(process, 60)
    assert process.returncode == 0, stderr
    assert stderr == ""
    assert not (tmp_path / "engine.db-wal").exists()  # the database was closed (WAL checkpointed)


def test_sigterm_while_a_request_thread_starts_still_stops_the_server(tmp_path: Path) -> None:
    """socketserver swallows Exceptions raised while it starts a request thread; SIGTERM must get out."""
    outcome: list[BaseException] = []
    with LocalEngine(tmp_path) as engine:
        server = make_server(engine, "127.0.0.1", 0)

        def terminate_instead(*_args: object) -> None:
            serving._raise_terminated(signal.SIGTERM, None)

        server.process_request = terminate_instead  # type: ignore[method-assign,assignment]

        def serve() -> None:
            try:
                server.serve_forever(poll_interval=0.05)
            except BaseException as exc:
                outcome.append(exc)

        thread = threading.Thread(target=serve, daemon=True)
        thread.start()
        with socket.create_connection(("127.0.0.1", server.server_address[1])):
            thread.join(timeout=30)
        if thread.is_alive():
            server.shutdown()
        server.server_close()
    assert [type(exc).__name__ for exc in outcome] == ["_Terminated"]
