"""Real OpenSearch 2.19.1 + ML Commons nodes for tests: started once per session by scripts/opensearch.sh.

``MLGITOPS_TEST_OPENSEARCH_URL`` uses an already running plain node instead (nothing is started or
stopped); ``MLGITOPS_TEST_OPENSEARCH_SECURE_DIR`` does the same for a secured node (the ``--dir`` of
``scripts/opensearch.sh start --secure``, whose node.json names the URL, CA bundle and users).
Without Java the real half is skipped with HOW_TO; under ``CI=true`` that skip is a failure.
"""

import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from mlgitops.backends.opensearch import dependents
from mlgitops.backends.opensearch.backend import connect
from mlgitops.backends.opensearch.client import MLCommonsClient
from mlgitops.errors import BackendNotFoundError, BackendRejectedError
from mlgitops.model.resources import Kind

REPO = Path(__file__).resolve().parent.parent
SCRIPT = REPO / "scripts" / "opensearch.sh"
URL_ENV = "MLGITOPS_TEST_OPENSEARCH_URL"
SECURE_DIR_ENV = "MLGITOPS_TEST_OPENSEARCH_SECURE_DIR"
HOW_TO = (
    "real OpenSearch tests need Java 17+ (e.g. apt-get install openjdk-17-jre-headless) and fetch ~460 MB "
    "from Maven Central once; install Java and run `bash scripts/test.sh`, or start a node with "
    f"`bash scripts/opensearch.sh start` and set {URL_ENV}=http://127.0.0.1:9200"
)


@dataclass(frozen=True)
class RealNode:
    """A running node: its base URL, the CA bundle of a secured node and its users (name -> spec)."""

    url: str
    ca_bundle: str | None = None
    users: dict[str, dict[str, Any]] = field(default_factory=dict)

    def env(self, user: str | None = "admin") -> dict[str, str]:
        """Environment variables that let mlgitops reach this node as ``user`` (None: no credentials)."""
        env: dict[str, str] = {}
        if self.ca_bundle:
            env["MLGITOPS_CA_BUNDLE"] = self.ca_bundle
        if user is not None and user in self.users:
            env["MLGITOPS_OPENSEARCH_USER"] = self.users[user]["username"]
            env["MLGITOPS_OPENSEARCH_PASSWORD"] = self.users[user]["password"]
        return env

    @contextmanager
    def client(self, user: str | None = "admin") -> Iterator[MLCommonsClient]:
        """An ML Commons client for this node as ``user``."""
        backend = connect(self.url, env=self.env(user))
        try:
            yield backend.client
        finally:
            backend.close()

    def reset(self) -> None:
        """Remove every pipeline, agent, ML Commons model, connector and model group, mlgitops' index and ML
        settings (persistent and transient)."""
        with self.client() as client:
            client.put_cluster_settings(
                {"persistent": {"plugins.ml_commons.*": None}, "transient": {"plugins.ml_commons.*": None}}
            )
            # Searches see writes after a refresh: make the last test's resources visible first.
            client.request("POST", "/.plugins-ml-*/_refresh", params={"ignore_unavailable": "true"})
            _delete_dependents(client)
            models = [hit["_id"] for hit in client.search_models({"match_all": {}})]
            if models:
                client.request("POST", "/_plugins/_ml/models/_undeploy", body={"model_ids": models})
            for model_id in models:
                _delete_undeployed(client, model_id)
            for hit in client.search_connectors({"match_all": {}}):
                client.delete_connector(hit["_id"])
            for hit in client.search_model_groups({"match_all": {}}):
                client.delete_model_group(hit["_id"])
            with suppress(BackendNotFoundError):
                client.request("DELETE", "/.mlgitops")


def _delete_dependents(client: MLCommonsClient) -> None:
    """Ingest and search pipelines and agents: they outlive mlgitops' records, so a next test would clash."""
    for kind in (Kind.INGEST_PIPELINE, Kind.SEARCH_PIPELINE, Kind.AGENT):
        for resource_id in dependents.read_all(client, kind):
            dependents.delete(client, kind, resource_id)


def _delete_undeployed(client: MLCommonsClient, model_id: str) -> None:
    """Delete a model; the undeploy before it takes a moment to reach the model's document.

    A deploy still running when the undeploy was sent ends DEPLOYED after it: undeploy again.
    """
    for attempt in range(50):
        try:
            client.delete_model(model_id)
            return
        except BackendRejectedError as exc:
            if "undeploy" not in str(exc):
                raise
            if attempt % 5 == 4:
                client.undeploy_model(model_id)
            time.sleep(0.1)
    client.delete_model(model_id)


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def java_available() -> bool:
    return bool(os.environ.get("JAVA_HOME")) or shutil.which("java") is not None


def _free_port() -> int:
    """A loopback port that is free, and so is port + 100 (the node's transport port)."""
    for _ in range(50):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = int(probe.getsockname()[1])
        if port + 100 < 65536:
            with socket.socket() as second:
                try:
                    second.bind(("127.0.0.1", port + 100))
                except OSError:
                    continue
            return port
    raise RuntimeError("no free port pair on 127.0.0.1")


def _run_script(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(SCRIPT), *args], capture_output=True, text=True, check=False, timeout=900
    )


def _unavailable(reason: str) -> None:
    if in_ci():
        pytest.fail(f"CI must run the real OpenSearch half: {reason}")
    pytest.skip(reason)


@contextmanager
def session_node(*, secure: bool) -> Iterator[RealNode]:
    """The session's node: the one named by the environment, or one started here and stopped after."""
    if secure and os.environ.get(SECURE_DIR_ENV):
        yield _from_dir(Path(os.environ[SECURE_DIR_ENV]))
        return
    if not secure and os.environ.get(URL_ENV):
        yield RealNode(os.environ[URL_ENV].rstrip("/"))
        return
    with started_node(secure=secure) as node:
        yield node


@contextmanager
def started_node(*, secure: bool) -> Iterator[RealNode]:
    """A brand-new node started by scripts/opensearch.sh (own directory and port), stopped afterwards."""
    if not java_available() and not in_ci():
        _unavailable(HOW_TO)
    node_dir = Path(tempfile.mkdtemp(prefix="mlgitops-test-os-", dir="/tmp"))
    node_dir.chmod(0o755)
    args = ["--dir", str(node_dir), "--port", str(_free_port()), *(["--secure"] if secure else [])]
    started = _run_script("start", *args)
    try:
        if started.returncode != 0:
            pytest.fail(f"scripts/opensearch.sh start failed:\n{started.stderr[-3000:]}")
        yield _from_dir(node_dir)
    finally:
        _run_script("stop", "--dir", str(node_dir))
        shutil.rmtree(node_dir, ignore_errors=True)


def _from_dir(node_dir: Path) -> RealNode:
    info = json.loads((node_dir / "node.json").read_text())
    return RealNode(str(info["url"]), info.get("ca_bundle"), dict(info.get("users") or {}))
