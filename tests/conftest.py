"""Shared fixtures: fake credentials with known values, a copy of the example project, a local target,
and the session's real OpenSearch nodes (``opensearch_node``, ``secure_opensearch_node``)."""

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from opensearchkit import RealNode, session_node

REPO = Path(__file__).resolve().parent.parent

# Fake credential values for the example manifests: tests search every output for them.
FAKE_SECRETS = {
    "OPENAI_API_KEY": "sk-test-openai-5f1c9e",
    "COHERE_API_KEY": "co-test-cohere-8d2a7b",
    "AWS_ACCESS_KEY_ID": "AKIATESTACCESS4417",
    "AWS_SECRET_ACCESS_KEY": "aws-test-secret-key-93c1",
    "AWS_SESSION_TOKEN": "aws-test-session-token-71ab",
}


@pytest.fixture(autouse=True)
def _no_digest_key_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests see the target's digest key unless they set MLGITOPS_DIGEST_KEY themselves."""
    monkeypatch.delenv("MLGITOPS_DIGEST_KEY", raising=False)


@pytest.fixture(autouse=True)
def _manifest_cache_in_tmp(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Commands keep their manifest cache in a directory of the test run, never in the user's."""
    monkeypatch.setenv("MLGITOPS_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))


@pytest.fixture
def fake_secrets(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Set the example manifests' credential env vars to fake values; returns them."""
    for name, value in FAKE_SECRETS.items():
        monkeypatch.setenv(name, value)
    return dict(FAKE_SECRETS)


@pytest.fixture
def example_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the repository's ``manifests/`` and ``mlgitops.yaml`` in tmp_path, made the cwd."""
    project = tmp_path / "project"
    shutil.copytree(REPO / "manifests", project / "manifests")
    shutil.copy(REPO / "mlgitops.yaml", project / "mlgitops.yaml")
    monkeypatch.chdir(project)
    return project


@pytest.fixture
def local_target(tmp_path: Path) -> str:
    """A ``local:DIR`` target in tmp_path (the engine creates the directory)."""
    return f"local:{tmp_path / 'target'}"


@pytest.fixture
def env(example_project: Path, fake_secrets: dict[str, str], local_target: str) -> list[str]:
    """Arguments for the example project's ``demo`` environment on the local target."""
    return ["--env", "demo", "--target", local_target]


@pytest.fixture(scope="session")
def opensearch_node() -> Iterator[RealNode]:
    """A plain OpenSearch 2.19.1 + ML Commons node for the session (see tests/opensearchkit.py)."""
    with session_node(secure=False) as node:
        yield node


@pytest.fixture(scope="session")
def secure_opensearch_node() -> Iterator[RealNode]:
    """A node with TLS (generated CA: ``ca_bundle``) and basic auth: users admin, alice, bob."""
    with session_node(secure=True) as node:
        yield node
