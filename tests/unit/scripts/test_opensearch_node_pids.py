"""scripts/opensearch_node.py trusts a node's pid file only when it names one running process."""

import importlib.util
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

SCRIPT = Path(__file__).resolve().parents[3] / "scripts" / "opensearch_node.py"


@pytest.fixture
def node_script(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    monkeypatch.setattr(sys, "path", list(sys.path))  # the script puts its own folders first
    spec = importlib.util.spec_from_file_location("opensearch_node_under_test", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def exited_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", ""])
    child.wait()
    return child.pid


def test_the_pid_of_a_running_node_is_read(node_script: ModuleType, tmp_path: Path) -> None:
    (tmp_path / "opensearch.pid").write_text(f"{os.getpid()}\n")
    assert node_script._read_pid(tmp_path) == os.getpid()


@pytest.mark.parametrize("text", ["-1", "0", "99999999999999999999", "not a pid", "", "exited"])
def test_a_pid_file_naming_no_running_process_reads_as_stopped(
    node_script: ModuleType, tmp_path: Path, text: str
) -> None:
    """``stop`` signals the pid it reads: -1 or 0 would reach every process or the caller's group."""
    (tmp_path / "opensearch.pid").write_text(str(exited_pid()) if text == "exited" else text)
    assert node_script._read_pid(tmp_path) is None
