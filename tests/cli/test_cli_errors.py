"""How the command line reports errors: one line per problem, never a traceback."""

import pytest

from mlgitops.cli.errors import EXIT_BUG, EXIT_ERROR, EXIT_INTERRUPTED, run_guarded
from mlgitops.errors import ManifestError, PlanError
from mlgitops.manifests import Issue


def _raise(exc: BaseException) -> int:
    raise exc


def test_user_error_is_one_prefixed_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_guarded(lambda: _raise(PlanError("the target changed"))) == EXIT_ERROR
    assert capsys.readouterr().err == "error: the target changed\n"


def test_manifest_error_prints_every_located_issue_once(capsys: pytest.CaptureFixture[str]) -> None:
    issues = (
        Issue("a.yaml", 3, 5, "credential 'k': environment variable K is not set"),
        Issue("b.yaml", 1, 1, "x"),
    )
    assert run_guarded(lambda: _raise(ManifestError(issues[0].format(), issues))) == EXIT_ERROR
    err = capsys.readouterr().err.splitlines()
    assert err == [issues[0].format(), issues[1].format()]
    assert not any(line.startswith("error: ") for line in err)


def test_bug_is_one_line_and_interrupt_is_130(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_guarded(lambda: _raise(ZeroDivisionError("boom"))) == EXIT_BUG
    assert capsys.readouterr().err == "internal error: ZeroDivisionError: boom (re-run with --traceback)\n"
    assert run_guarded(lambda: _raise(KeyboardInterrupt())) == EXIT_INTERRUPTED
