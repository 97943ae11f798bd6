"""Whether a recorded pid names a running process on this host."""

import os
import subprocess
import sys

import pytest

from mlgitops.processes import is_running


def test_a_running_process_is_running() -> None:
    assert is_running(os.getpid())
    assert is_running(1)  # init: running, whoever may signal it


def test_a_process_that_exited_is_not_running() -> None:
    child = subprocess.Popen([sys.executable, "-c", ""])
    child.wait()
    assert not is_running(child.pid)


@pytest.mark.parametrize("pid", [0, -1, -os.getpid(), 2**64, None, "1", 1.0, True])
def test_what_names_no_single_process_is_not_running(pid: object) -> None:
    """``kill`` reads 0 and negative pids as process groups or every process: never one running process."""
    assert not is_running(pid)
