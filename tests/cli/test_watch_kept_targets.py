"""A watch session keeps its target open across passes and still sees what other processes do to it."""

import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from mlgitops.cli.keeping import KeptTargets
from mlgitops.cli.localbackend import LocalEngineBackend
from mlgitops.cli.wiring import Missing
from mlgitops.engine.storage.store import TASK_INDEX
from mlgitops.model.resources import Kind, ResourceKey
from mlgitops.service import plan_once, reconcile_once
from serverkit import JSONHandler, loopback_server

CAP_SECONDS = 60
KEY_ENV = "MLGITOPS_TEST_OPENAI_KEY"
GROUP = """apiVersion: mlgitops/v1
kind: ModelGroup
metadata:
  name: remote-models
spec:
  description: {description}
"""
CHAT = """apiVersion: mlgitops/v1
kind: Connector
metadata:
  name: chat
spec:
  name: chat
  description: chat
  version: "1"
  protocol: http
  parameters:
    endpoint: api.openai.com
  credential:
    openAI_key: {env: MLGITOPS_TEST_OPENAI_KEY}
  actions:
    - action_type: predict
      method: POST
      url: https://${parameters.endpoint}/v1/embeddings
      headers:
        Authorization: Bearer ${credential.openAI_key}
      request_body: '{ "input": ${parameters.input} }'
"""


def another_process(*args: str) -> None:
    """Run ``mlgitops ARGS`` in a separate process (bounded); it must succeed."""
    env = {**os.environ, KEY_ENV: "sk-kept-targets"}
    done = subprocess.run(
        [sys.executable, "-m", "mlgitops", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=CAP_SECONDS,
    )
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.fixture
def manifests(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv(KEY_ENV, "sk-kept-targets")
    directory = tmp_path / "manifests"
    directory.mkdir()
    (directory / "group.yaml").write_text(GROUP.format(description="first"))
    return directory


def plan_with(targets: KeptTargets, target: str, manifests: Path) -> tuple[LocalEngineBackend, int]:
    """One watch-style plan pass: the backend it used and how many steps it planned."""
    with targets.backend(target, missing=Missing.EMPTY) as backend:
        actions = len(plan_once([manifests], backend=backend).plan.actions)
    assert isinstance(backend, LocalEngineBackend)
    return backend, actions


def test_a_kept_engine_sees_other_processes_writes_and_key_rotation(tmp_path: Path, manifests: Path) -> None:
    target = f"local:{tmp_path / 'state'}"
    another_process("reconcile", str(manifests), "--target", target)
    with KeptTargets() as targets:
        first, actions = plan_with(targets, target, manifests)
        assert actions == 0
        (manifests / "chat.yaml").write_text(CHAT)
        (manifests / "group.yaml").write_text(GROUP.format(description="second"))
        another_process("reconcile", str(manifests), "--target", target)
        another_process("engine", "rotate-key", "--dir", str(tmp_path / "state"))
        second, actions = plan_with(targets, target, manifests)
        assert second.engine is first.engine  # kept open, not reopened
        assert second is not first  # but each pass has its own backend
        assert actions == 0  # the other process's connector and group update are seen
        assert second.warnings == ()  # its credential still decrypts under the rotated key
        assert ResourceKey(Kind.CONNECTOR, "chat") in second.read_state([]).resources


def test_a_replaced_engine_is_opened_again(tmp_path: Path, manifests: Path) -> None:
    state = tmp_path / "state"
    target = f"local:{state}"
    another_process("reconcile", str(manifests), "--target", target)
    with KeptTargets() as targets:
        first, _ = plan_with(targets, target, manifests)
        shutil.rmtree(state)
        (manifests / "chat.yaml").write_text(CHAT)
        another_process("reconcile", str(manifests), "--target", target)
        second, actions = plan_with(targets, target, manifests)
        assert second.engine is not first.engine
        assert actions == 0


def test_a_missing_engine_is_not_kept_so_a_later_reconcile_is_seen(tmp_path: Path, manifests: Path) -> None:
    state = tmp_path / "state"
    target = f"local:{state}"
    with KeptTargets() as targets:
        _, actions = plan_with(targets, target, manifests)
        assert actions == 1  # planned against an empty stand-in
        assert not state.exists()  # a plan never creates the engine
        another_process("reconcile", str(manifests), "--target", target)
        _, actions = plan_with(targets, target, manifests)
        assert actions == 0


def test_an_apply_creates_the_engine_and_later_plans_use_it(tmp_path: Path, manifests: Path) -> None:
    target = f"local:{tmp_path / 'state'}"
    with KeptTargets() as targets:
        with targets.backend(target) as applying:
            assert reconcile_once([manifests], backend=applying).ok
        planning, actions = plan_with(targets, target, manifests)
        assert actions == 0
        assert isinstance(applying, LocalEngineBackend)
        assert planning.engine is applying.engine


class CountingHandler(JSONHandler):
    """Answers ``GET /`` with keep-alive and counts the connections it was given."""

    protocol_version = "HTTP/1.1"
    connections = 0
    lock = threading.Lock()

    def setup(self) -> None:
        super().setup()
        with self.lock:
            type(self).connections += 1

    def do_GET(self) -> None:  # noqa: N802 - the stdlib handler's name
        self.send_json(200, {"version": {"number": "2.19.1"}})


def test_a_cluster_target_keeps_its_connection_across_passes() -> None:
    with loopback_server(CountingHandler) as url, KeptTargets() as targets:
        for _ in range(3):
            with targets.backend(url) as backend:
                assert backend.client.request("GET", "/")["version"]["number"] == "2.19.1"
    assert CountingHandler.connections == 1


def test_tasks_of_a_process_that_stopped_during_the_session_are_failed(
    tmp_path: Path, manifests: Path
) -> None:
    """Opening an engine fails the tasks a stopped process left running; a kept engine does so every pass."""
    target = f"local:{tmp_path / 'state'}"
    another_process("reconcile", str(manifests), "--target", target)
    with KeptTargets() as targets:
        first, _ = plan_with(targets, target, manifests)
        task = {"task_type": "DEPLOY_MODEL", "state": "RUNNING", "_engine_pid": _dead_pid()}
        with first.engine.store.write() as tx:
            tx.put(TASK_INDEX, "orphan", task)
        plan_with(targets, target, manifests)
        with first.engine.store.read() as tx:
            row = tx.get(TASK_INDEX, "orphan")
        assert row is not None
        assert row.source["state"] == "FAILED"


def _dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait(CAP_SECONDS)
    return process.pid
