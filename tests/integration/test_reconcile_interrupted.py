"""A plan after an interrupted run: warns about the pending step instead of a false name clash."""

# mypy: allow-untyped-defs, allow-untyped-calls

import signal
import subprocess
import sys

from mlgitops.cli.wiring import open_backend
from mlgitops.service import plan_once, reconcile_once

MANIFESTS = """\
apiVersion: mlgitops/v1
kind: ModelGroup
metadata: {name: grp}
spec: {description: interrupted}
"""
# Mutations of a first run: .mlgitops index, digest key, lock, intent, then the group creation (crash point).
CRASH_AFTER_CREATE = 5
RUN = (
    "import sys; from pathlib import Path; from mlgitops.cli.wiring import open_backend; "
    "from mlgitops.service import reconcile_once\n"
    "with open_backend(sys.argv[1]) as backend: reconcile_once([Path(sys.argv[2])], backend=backend)"
)


def test_plan_after_a_crash_warns_and_reconcile_recovers(tmp_path):
    (tmp_path / "m.yaml").write_text(MANIFESTS)
    target = f"local:{tmp_path / 'engine'}"
    env = {"MLGITOPS_TEST_CRASH_AFTER_MUTATION": str(CRASH_AFTER_CREATE), "PATH": ""}
    killed = subprocess.run(
        [sys.executable, "-c", RUN, target, str(tmp_path / "m.yaml")], env=env, timeout=120, check=False
    )
    assert killed.returncode == -signal.SIGKILL
    with open_backend(target) as backend:
        groups = backend.client.search_model_groups({"match_all": {}})
        assert [hit["_source"]["name"] for hit in groups] == ["grp"]  # created, never recorded
        plan = plan_once([tmp_path / "m.yaml"], backend=backend).plan
        assert [action.verb.value for action in plan.actions] == ["adopt"]
        assert "ModelGroup/grp: an interrupted run left a pending create" in plan.warnings[0]
        assert reconcile_once([tmp_path / "m.yaml"], backend=backend, holder="me@here").ok
        assert plan_once([tmp_path / "m.yaml"], backend=backend).plan.is_empty
        assert backend.client.search_model_groups({"match_all": {}}) == groups
