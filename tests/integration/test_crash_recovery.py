"""kill -9 at every mutation point of `mlgitops reconcile`, then a normal run converges.

Each crashed run is a real subprocess killed by SIGKILL through the test-only hook
MLGITOPS_TEST_CRASH_AFTER_MUTATION=N (the client kills its own process right after the N-th mutating
HTTP call). The follow-up run is in-process; then the engine's groups, connectors and models are listed
and compared with mlgitops' ownership records: no duplicate, no orphan, nothing pending.
"""

import json
import os
import signal
import subprocess
import sys
from typing import Any

import pytest

from manifestkit import documents, model_group, openai_connector, remote_model
from mlgitops.cli.main import main
from mlgitops.cli.wiring import open_backend

SECRET = "sk-crash-test-secret-9731"
MANIFESTS = documents(
    model_group("grp", "crash test group"),
    openai_connector("emb", "OPENAI_API_KEY"),
    remote_model("emb", "emb", group="grp"),
)
# Mutations of a clean first run of MANIFESTS (digest key, lock, then intent/mutation/record/close per
# step, unlock); the test checks this is still the count so no point is skipped silently.
MAX_POINTS = 40


@pytest.fixture
def project(tmp_path, monkeypatch):
    (tmp_path / "manifests").mkdir()
    (tmp_path / "manifests" / "all.yaml").write_text(MANIFESTS)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    monkeypatch.delenv("MLGITOPS_TEST_CRASH_AFTER_MUTATION", raising=False)
    return tmp_path


def killed_run(target, point):
    env = os.environ | {"MLGITOPS_TEST_CRASH_AFTER_MUTATION": str(point)}
    command = [
        sys.executable,
        "-m",
        "mlgitops",
        "reconcile",
        "manifests",
        "--target",
        target,
        "--parallelism",
        "1",
    ]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=60, check=False)


def assert_converged(target):
    with open_backend(target) as backend:
        client = backend.client
        state = backend.read_state([])
        everything: dict[str, Any] = {"match_all": {}}
        listings = {
            "ModelGroup": client.search_model_groups(everything),
            "Connector": client.search_connectors(everything),
            "Model": client.search_models(everything),
        }
        bookkeeping = client.scan_docs(".mlgitops", everything)
    for kind, hits in listings.items():
        owned = sorted(r.resource_id for key, r in state.resources.items() if key.kind.value == kind)
        assert sorted(hit["_id"] for hit in hits) == owned, f"{kind}: duplicates or orphans"
        assert len(owned) == 1, kind
    model = next(r for key, r in state.resources.items() if key.kind.value == "Model")
    assert model.document["model_state"] == "DEPLOYED"
    assert [d["_id"] for d in bookkeeping if d["_source"].get("type") in ("intent", "lock")] == []
    assert SECRET not in json.dumps(bookkeeping)


@pytest.mark.slow
def test_kill_9_at_every_mutation_point_then_reconcile_converges(project, capsys):
    points = 0
    for point in range(1, MAX_POINTS + 1):
        target = f"local:{project / f'target-{point}'}"
        crashed = killed_run(target, point)
        assert SECRET not in crashed.stdout + crashed.stderr
        if crashed.returncode == 0:
            break  # the run finished before reaching this point: every point was covered
        assert crashed.returncode == -signal.SIGKILL, crashed.stderr
        points = point
        assert main(["reconcile", "manifests", "--target", target]) == 0, capsys.readouterr().err
        assert main(["plan", "manifests", "--target", target, "--detailed-exitcode"]) == 0
        assert_converged(target)
        output = capsys.readouterr()
        assert SECRET not in output.out + output.err
    assert 10 < points < MAX_POINTS


@pytest.mark.slow
def test_kill_9_during_a_disruptive_connector_update_then_reconcile_converges(project, capsys):
    changed = MANIFESTS.replace("text-embedding-3-small", "text-embedding-3-large")
    points = 0
    for point in range(1, MAX_POINTS + 1):
        target = f"local:{project / f'update-{point}'}"
        (project / "manifests" / "all.yaml").write_text(MANIFESTS)
        assert main(["reconcile", "manifests", "--target", target]) == 0
        (project / "manifests" / "all.yaml").write_text(changed)
        crashed = killed_run(target, point)
        if crashed.returncode == 0:
            break
        assert crashed.returncode == -signal.SIGKILL, crashed.stderr
        points = point
        assert main(["reconcile", "manifests", "--target", target]) == 0, capsys.readouterr().err
        assert main(["plan", "manifests", "--target", target, "--detailed-exitcode"]) == 0
        assert_converged(target)
        with open_backend(target) as backend:
            connector = next(
                r for k, r in backend.read_state([]).resources.items() if k.kind.value == "Connector"
            )
        assert connector.document["parameters"]["model"] == "text-embedding-3-large"
        assert SECRET not in capsys.readouterr().err
    # lock, undeploy, update, redeploy, the run's bookkeeping (its writes share requests), unlock
    assert points >= 6
