"""Key and store files: a master key that is not a private 32-byte regular file is refused with the fix."""

import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from mlgitops.cli.main import main
from mlgitops.engine import LocalEngine
from mlgitops.engine.storage import crypto, keyfile


@pytest.fixture(autouse=True)
def _no_env_key(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv("MLGITOPS_MASTER_KEY", raising=False)
    previous = os.umask(0o022)
    yield
    os.umask(previous)


@pytest.fixture
def engine_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "engine"
    LocalEngine(directory).close()
    return directory


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _info(directory: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(["engine", "info", "--dir", str(directory)])
    return code, capsys.readouterr().err


@pytest.mark.parametrize("mode", [0o644, 0o666, 0o640, 0o604, 0o620])
def test_a_key_open_to_group_or_others_is_refused_with_the_chmod_fix(
    engine_dir: Path, mode: int, capsys: pytest.CaptureFixture[str]
) -> None:
    key = engine_dir / "master.key"
    key.chmod(mode)
    code, err = _info(engine_dir, capsys)
    assert code == 1
    assert err == (
        f"error: master key file {key} is accessible by group or others (mode {mode:04o}); "
        f"run: chmod 600 {key}\n"
    )
    key.chmod(0o600)
    assert _info(engine_dir, capsys)[0] == 0


def test_a_key_linked_to_dev_zero_is_refused_not_a_memory_error(
    engine_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    key = engine_dir / "master.key"
    key.unlink()
    key.symlink_to("/dev/zero")
    code, err = _info(engine_dir, capsys)
    assert code == 1
    assert err.startswith(f"error: master key file {key} is a character device, not a regular file; ")
    assert err.count("\n") == 1


def test_a_key_that_is_a_fifo_is_refused_without_blocking(engine_dir: Path) -> None:
    key = engine_dir / "master.key"
    key.unlink()
    os.mkfifo(key, 0o600)
    result = subprocess.run(
        [sys.executable, "-m", "mlgitops", "engine", "info", "--dir", str(engine_dir)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={k: v for k, v in os.environ.items() if k != "MLGITOPS_MASTER_KEY"},
    )
    assert result.returncode == 1
    assert result.stderr.startswith(f"error: master key file {key} is a FIFO, not a regular file; ")


def test_a_key_of_the_wrong_length_is_refused(engine_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    key = engine_dir / "master.key"
    key.write_text(crypto.encode_key(os.urandom(16)) + "\n")
    code, err = _info(engine_dir, capsys)
    assert (code, err) == (1, f"error: master key in {key} must be 32 bytes, got 16\n")
    key.write_bytes(b"A" * 1_000_000)
    code, err = _info(engine_dir, capsys)
    assert code == 1
    assert err.startswith(f"error: master key file {key} is 1000000 bytes, longer than any valid one")


def test_a_link_to_a_private_key_file_is_accepted(tmp_path: Path, engine_dir: Path) -> None:
    """Secret mounts (Kubernetes, Docker) present the key as a link to a private regular file."""
    key = engine_dir / "master.key"
    mounted = tmp_path / "mounted.key"
    key.rename(mounted)
    key.symlink_to(mounted)
    assert keyfile.read_key(key) == keyfile.read_key(mounted)


def test_engine_files_are_private_in_a_private_directory(engine_dir: Path) -> None:
    with LocalEngine(engine_dir) as engine:
        with engine.store.write() as tx:
            tx.meta_set("probe", "1")
        files = sorted(p.name for p in engine_dir.iterdir())
        assert {"engine.db", "engine.db-wal", "engine.db-shm", "master.key"} <= set(files)
        assert {name: _mode(engine_dir / name) for name in files} == dict.fromkeys(files, 0o600)
    assert _mode(engine_dir) == 0o700


def test_files_left_open_by_an_older_version_are_tightened(engine_dir: Path) -> None:
    (engine_dir / "engine.db").chmod(0o644)
    with LocalEngine(engine_dir) as engine:
        with engine.store.write() as tx:
            tx.meta_set("probe", "1")
        assert _mode(engine_dir / "engine.db") == 0o600
        assert _mode(engine_dir / "engine.db-wal") == 0o600


def test_an_existing_directory_keeps_its_mode(tmp_path: Path) -> None:
    """``local:.`` may name the user's own project directory: never chmod what mlgitops did not create."""
    tmp_path.chmod(0o755)
    LocalEngine(tmp_path).close()
    assert _mode(tmp_path) == 0o755
    assert _mode(tmp_path / "engine.db") == 0o600
