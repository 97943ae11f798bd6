"""Processes on this host: whether the process a recorded pid names still runs (locks, tasks, pid files)."""

import os


def is_running(pid: object) -> bool:
    """True when ``pid`` is a positive integer naming a process that exists on this host.

    Anything else names no single process and is False: a missing or malformed pid, and 0 or a
    negative number, which ``kill`` would read as a process group or as every process.
    """
    if not isinstance(pid, int) or isinstance(pid, bool) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, OverflowError):
        return False
    except PermissionError:
        return True  # it exists, run by another user
    return True
