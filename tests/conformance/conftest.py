"""One conformance suite, two backends: every test here runs on the embedded engine and on real OpenSearch.

``target`` is parametrised: ``engine`` (a fresh ``local:DIR``) and ``opensearch`` (the session's real
node, emptied of ML resources and ``.mlgitops`` first). ``project`` is a copy of the example project
whose ``demo`` environment calls the session's stand-in model server; ``cli`` runs ``mlgitops`` in-process
against the target, as a user would.
"""

import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from clikit import run
from mlgitops.standin.server import StandinServer
from opensearchkit import REPO, RealNode

EXAMPLE_MODELS = (
    "openai-chat",
    "openai-embedding",
    "cohere-embedding",
    "bedrock-titan-embedding",
    "sagemaker-embedding",
)


@dataclass
class Target:
    """Where the suite reconciles: ``url`` for ``--target``, ``env`` for auth and TLS, ``node`` when real."""

    name: str
    url: str
    env: dict[str, str] = field(default_factory=dict)
    node: RealNode | None = None


@pytest.fixture
def standin(fake_secrets: dict[str, str]) -> Iterator[StandinServer]:
    """The stand-in model server, accepting the fake credentials of ``fake_secrets``."""
    with StandinServer(
        api_keys={"openai": fake_secrets["OPENAI_API_KEY"], "cohere": fake_secrets["COHERE_API_KEY"]},
        aws_access_key=fake_secrets["AWS_ACCESS_KEY_ID"],
        aws_secret_key=fake_secrets["AWS_SECRET_ACCESS_KEY"],
    ) as server:
        yield server


@pytest.fixture(params=["engine", pytest.param("opensearch", marks=pytest.mark.opensearch)])
def target(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Target:
    """A fresh target of each backend, with its connection settings in the environment."""
    if request.param == "engine":
        return Target("engine", f"local:{tmp_path / 'engine'}")
    node: RealNode = request.getfixturevalue("opensearch_node")
    node.reset()
    found = Target("opensearch", node.url, node.env(), node)
    for name, value in found.env.items():
        monkeypatch.setenv(name, value)
    return found


@pytest.fixture
def project(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, standin: StandinServer, fake_secrets: dict[str, str]
) -> Path:
    """A copy of the example project (cwd) whose ``demo`` environment points at the session's stand-in."""
    root = tmp_path / "project"
    shutil.copytree(REPO / "manifests", root / "manifests")
    port = standin.url.rsplit(":", 1)[1]
    text = (REPO / "mlgitops.yaml").read_text()
    text = text.replace("127.0.0.1:8765", f"127.0.0.1:{port}").replace(
        r"127\.0\.0\.1:8765", rf"127\.0\.0\.1:{port}"
    )
    (root / "mlgitops.yaml").write_text(text)
    monkeypatch.chdir(root)
    return root


class Cli:
    """``mlgitops`` in-process with ``[--env ENV] --target TARGET`` appended; returns (code, out, err)."""

    def __init__(
        self,
        capsys: pytest.CaptureFixture[str],
        target: Target,
        secrets: dict[str, str],
        environment: str | None = "demo",
    ) -> None:
        self._capsys = capsys
        self.target = target
        self._secrets = secrets
        self._env_args = ["--env", environment] if environment else []

    def __call__(self, *argv: str) -> tuple[int, str, str]:
        code, out, err = run(self._capsys, *argv, *self._env_args, "--target", self.target.url)
        for secret in self._secrets.values():
            assert secret not in out + err, f"a credential leaked from `mlgitops {' '.join(argv)}`"
        return code, out, err

    def ok(self, *argv: str) -> str:
        """Run and require exit 0; returns stdout."""
        code, out, err = self(*argv)
        assert code == 0, f"mlgitops {' '.join(argv)} exited {code}:\n{out}\n{err}"
        return out

    def converged(self) -> None:
        """A new plan of the manifests is empty (exit 0 with --detailed-exitcode)."""
        code, out, err = self("plan", "--detailed-exitcode")
        assert code == 0, f"plan is not empty:\n{out}\n{err}"


@pytest.fixture
def cli(
    capsys: pytest.CaptureFixture[str], target: Target, project: Path, fake_secrets: dict[str, str]
) -> Cli:
    """The CLI bound to the target and the example project."""
    return Cli(capsys, target, fake_secrets)


def edit(path: Path, old: str, new: str) -> None:
    """Replace exactly one occurrence of ``old`` in a manifest."""
    text = path.read_text()
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times in {path}"
    path.write_text(text.replace(old, new))


def step_lines(out: str) -> list[str]:
    """The applied steps of a reconcile's output (``[done] ...`` lines)."""
    return [line for line in out.splitlines() if re.match(r"\[(done|failed|skipped)\]", line)]
