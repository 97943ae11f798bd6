"""The SQLite store: atomic transactions, crash safety under SIGKILL, two processes writing at once."""

import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from mlgitops.engine import LocalEngine
from mlgitops.engine.storage.store import (
    CONNECTOR_INDEX,
    GROUP_INDEX,
    MODEL_INDEX,
    PAUSE_AFTER_ENV,
    PAUSE_FILE_ENV,
    TASK_INDEX,
    Store,
)
from mlgitops.errors import EngineError

_CHILD_ENV = {k: v for k, v in os.environ.items() if k != "MLGITOPS_MASTER_KEY"}


def _run_child(script: str, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(script), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_CHILD_ENV,
    )


def test_failed_transaction_leaves_nothing(tmp_path: Path) -> None:
    store = Store(tmp_path / "db")
    with pytest.raises(RuntimeError), store.write() as tx:
        tx.put("idx", "a", {"x": 1})
        tx.put("idx", "b", {"x": 2})
        raise RuntimeError("boom")
    with store.read() as tx:
        assert tx.scan("idx") == []
    store.close()


def test_versions_and_sequence_numbers(tmp_path: Path) -> None:
    store = Store(tmp_path / "db")
    with store.write() as tx:
        first = tx.put("idx", "a", {"x": 1})
        second = tx.put("idx", "a", {"x": 2})
        deleted = tx.delete("idx", "a")
    assert (first.version, second.version) == (1, 2)
    assert first.seq_no < second.seq_no
    assert deleted is not None and deleted.version == 3
    store.close()


def test_sequence_numbers_grow_across_nested_and_later_transactions_and_a_rollback_spends_none(
    tmp_path: Path,
) -> None:
    store = Store(tmp_path / "db")
    with store.write() as tx:
        first = tx.put("idx", "a", {"x": 1})
        with store.write() as nested:
            inner = nested.put("idx", "b", {"x": 1})
        last = tx.put("idx", "c", {"x": 1})
    assert first.seq_no < inner.seq_no < last.seq_no
    with pytest.raises(RuntimeError), store.write() as tx:
        tx.put("idx", "d", {"x": 1})
        raise RuntimeError("boom")
    store.close()
    reopened = Store(tmp_path / "db")  # the number is stored, not only kept in memory
    with reopened.write() as tx:
        after = tx.put("idx", "e", {"x": 1})
    with reopened.read() as tx:
        assert tx.meta_get("seq_no") == str(after.seq_no)
    assert after.seq_no == last.seq_no + 1
    reopened.close()


_CRASH_CHILD = f"""
    import os, sys
    from pathlib import Path
    from mlgitops.engine import LocalEngine
    engine = LocalEngine(Path(sys.argv[1]))
    os.environ["{PAUSE_AFTER_ENV}"] = "3"
    os.environ["{PAUSE_FILE_ENV}"] = "/dev/stdout"
    engine.models.register({{"name": "m", "function_name": "remote", "connector": {{
        "protocol": "http", "credential": {{"key": "secret-value"}},
        "actions": [{{"action_type": "predict", "method": "POST", "url": "https://api.openai.com/v1/x"}}]}}}})
    print("finished")
"""


def test_sigkill_in_the_middle_of_a_write_leaves_a_consistent_store(tmp_path: Path) -> None:
    child = _run_child(_CRASH_CHILD, str(tmp_path))
    assert child.stdout is not None
    paused_pid = child.stdout.readline()  # the hook writes the pid, then blocks inside the transaction
    assert paused_pid.strip() == str(child.pid), child.stderr.read() if child.stderr else ""
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    child.stdout.close()
    if child.stderr:
        child.stderr.close()
    with LocalEngine(tmp_path) as engine, engine.store.read() as tx:
        for index in (GROUP_INDEX, CONNECTOR_INDEX, MODEL_INDEX, TASK_INDEX):
            assert tx.scan(index) == []
        assert tx.ciphertexts() == []
        assert tx.meta_get("seq_no") is None
    with sqlite3.connect(tmp_path / "engine.db") as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    db.close()
    with LocalEngine(tmp_path) as engine:
        engine.models.register(
            {
                "name": "m",
                "function_name": "remote",
                "connector": {
                    "protocol": "http",
                    "credential": {"key": "v"},
                    "actions": [
                        {"action_type": "predict", "method": "POST", "url": "https://api.openai.com/v1/x"}
                    ],
                },
            }
        )
        with engine.store.read() as tx:
            assert len(tx.scan(MODEL_INDEX)) == 1
            assert len(tx.scan(GROUP_INDEX)) == 1


_WRITER_CHILD = """
    import json, sys
    from pathlib import Path
    from mlgitops.engine import LocalEngine
    from mlgitops.errors import EngineError
    engine = LocalEngine(Path(sys.argv[1]))
    tag = sys.argv[2]
    won = 0
    for i in range(25):
        engine.documents.index("counters", f"{tag}-{i}", {"i": i}, {})
        engine.model_groups.register({"name": f"{tag}-group-{i}"})
        try:
            engine.model_groups.register({"name": f"shared-{i}"})
            won += 1
        except EngineError:
            pass
    print(json.dumps({"won": won}))
    engine.close()
"""


def test_two_processes_write_at_once_without_lost_writes(tmp_path: Path) -> None:
    LocalEngine(tmp_path).close()  # the key and schema exist before the race starts
    children = [_run_child(_WRITER_CHILD, str(tmp_path), tag) for tag in ("a", "b")]
    outputs = [child.communicate() for child in children]
    assert all(child.returncode == 0 for child in children), outputs
    won = sum(json.loads(out)["won"] for out, _ in outputs)
    with LocalEngine(tmp_path) as engine, engine.store.read() as tx:
        names = [row.source["name"] for row in tx.scan(GROUP_INDEX)]
        docs = tx.scan("counters")
    assert len(docs) == 50
    assert sorted(n for n in names if not n.startswith("shared-")) == sorted(
        f"{tag}-group-{i}" for tag in "ab" for i in range(25)
    )
    shared = [n for n in names if n.startswith("shared-")]
    assert len(shared) == len(set(shared)) == 25 == won
    seq_nos = [row.seq_no for row in docs]
    assert len(set(seq_nos)) == len(seq_nos)


def test_a_locked_database_is_a_one_line_engine_error_and_leaves_no_open_transaction(tmp_path: Path) -> None:
    store = Store(tmp_path / "db", busy_timeout_ms=1)
    other = sqlite3.connect(tmp_path / "db", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    with pytest.raises(EngineError, match=r"^engine database .*db: database is locked$"), store.write() as tx:
        tx.put("idx", "a", {"x": 1})
    other.execute("ROLLBACK")
    other.close()
    with store.write() as tx:  # the failed attempt left nothing open
        tx.put("idx", "a", {"x": 1})
    with store.read() as tx:
        assert [row.id for row in tx.scan("idx")] == ["a"]
    store.close()


def test_a_corrupt_database_file_is_a_one_line_error(tmp_path: Path) -> None:
    (tmp_path / "engine.db").write_bytes(b"this is not an SQLite database, just some text" * 100)
    expected = r"^cannot open engine database .*engine\.db: file is not a database$"
    with pytest.raises(EngineError, match=expected):
        LocalEngine(tmp_path)


_STARTERS = 6
_FIRST_START_CHILD = """
    import sys
    from pathlib import Path
    from mlgitops.engine import LocalEngine
    sys.stdin.readline()  # start together
    with LocalEngine(Path(sys.argv[1])) as engine:
        body = {"name": "c", "version": "1", "protocol": "http", "credential": {"key": sys.argv[2]},
                "actions": [{"action_type": "predict", "method": "POST", "url": "https://api.openai.com/v1/x"}]}
        print(engine.connectors.create(body)["connector_id"])
"""


def test_processes_starting_on_a_fresh_directory_agree_on_one_key(tmp_path: Path) -> None:
    script = textwrap.dedent(_FIRST_START_CHILD)
    children = [
        subprocess.Popen(
            [sys.executable, "-c", script, str(tmp_path), f"value-{i}"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=_CHILD_ENV,
        )
        for i in range(_STARTERS)
    ]
    for child in children:  # release them together: each waits on stdin before opening the engine
        assert child.stdin is not None
        child.stdin.write("go\n")
        child.stdin.flush()
    outputs = [child.communicate() for child in children]
    assert all(child.returncode == 0 for child in children), outputs
    with LocalEngine(tmp_path) as engine, engine.store.read() as tx:
        found = {
            out.strip(): engine.vault.load(tx, out.strip())["key"].get_secret_value() for out, _ in outputs
        }
    assert sorted(found.values()) == [f"value-{i}" for i in range(_STARTERS)]
    assert sorted(p.name for p in tmp_path.iterdir() if "key" in p.name) == ["master.key"]


_ROTATE_CHILD = f"""
    import os, sys
    from pathlib import Path
    from mlgitops.engine import LocalEngine
    engine = LocalEngine(Path(sys.argv[1]))
    os.environ["{PAUSE_AFTER_ENV}"] = "1"
    os.environ["{PAUSE_FILE_ENV}"] = "/dev/stdout"
    engine.rotate_key()
    print("finished")
"""


def test_sigkill_in_the_middle_of_a_key_rotation_keeps_the_old_key_working(tmp_path: Path) -> None:
    with LocalEngine(tmp_path) as engine:
        body = {
            "name": "c",
            "version": "1",
            "protocol": "http",
            "credential": {"a": "first-secret", "b": "second-secret"},
            "actions": [{"action_type": "predict", "method": "POST", "url": "https://api.openai.com/v1/x"}],
        }
        connector_id = engine.connectors.create(body)["connector_id"]
        fingerprint = engine.vault.fingerprint
    child = _run_child(_ROTATE_CHILD, str(tmp_path))
    assert child.stdout is not None
    paused_pid = child.stdout.readline()  # paused after re-encrypting the first value, before the second
    assert paused_pid.strip() == str(child.pid), child.stderr.read() if child.stderr else ""
    assert (tmp_path / "master.key.new").exists()
    os.kill(child.pid, signal.SIGKILL)
    child.communicate()
    with LocalEngine(tmp_path) as engine, engine.store.read() as tx:
        assert engine.vault.fingerprint == fingerprint
        secrets = engine.vault.load(tx, connector_id)
        assert {k: v.get_secret_value() for k, v in secrets.items()} == {
            "a": "first-secret",
            "b": "second-secret",
        }
    assert not (tmp_path / "master.key.new").exists()
