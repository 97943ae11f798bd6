"""Processes on this host: whether the process a recorded pid names still runs (locks, tasks, pid files)."""

import os


def usable_pid(value: object) -> int | None:
    """``value`` when it can name one process (a positive integer), else None.

    A missing or malformed pid names none, and 0 or a negative number would be read by ``kill`` as a
    process group or as every process.
    """
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        return None
    return value


def is_running(pid: object) -> bool:
    """True when ``pid`` is a usable pid (``usable_pid``) naming a process that exists on this host."""
    pid = usable_pid(pid)
    if pid is None:
        return False
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, OverflowError):
        return False
    except PermissionError:
        return True  # it exists, run by another user
    return True
