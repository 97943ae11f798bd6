"""CLI helper for tests: run ``mlgitops`` in-process and collect its exit code and output."""

import pytest

from mlgitops.cli.main import main


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """Run ``mlgitops *argv``; returns the exit code, stdout and stderr."""
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err
