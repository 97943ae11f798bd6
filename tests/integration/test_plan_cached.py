"""A plan made from cached manifest results is the plan made without the cache, byte for byte."""

import shutil
from pathlib import Path

import pytest

from mlgitops.cli.wiring import open_backend
from mlgitops.manifests import ManifestCache, project_variables, read_project_config
from mlgitops.manifests.cachefiles import DirectoryStore
from mlgitops.plan.jsonplan import render_json
from mlgitops.plan.rendering import render_text
from mlgitops.service import PlanOutcome, plan_once, reconcile_once

REPO = Path(__file__).resolve().parents[2]
VARIABLES = project_variables(read_project_config(REPO / "mlgitops.yaml"), None)


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "manifests"
    shutil.copytree(REPO / "manifests", root)
    return root


def shown(outcome: PlanOutcome) -> tuple[str, str, object]:
    return render_text(outcome.plan), render_json(outcome.plan), outcome.desired


def test_cached_and_uncached_plans_are_identical(
    tree: Path, tmp_path: Path, fake_secrets: dict[str, str]
) -> None:
    directory = tmp_path / "cache"
    with open_backend(f"local:{tmp_path / 'engine'}") as backend:

        def plans() -> list[tuple[str, str, object]]:
            runs = [None, ManifestCache(DirectoryStore(directory)), ManifestCache(DirectoryStore(directory))]
            return [
                shown(plan_once([tree], backend=backend, variables=VARIABLES, cache=cache)) for cache in runs
            ]

        uncached, first, stored = (
            plans()
        )  # no cache, a cold one (it stores), one reading back (a new process)
        assert uncached == first == stored
        assert "Connector/" in uncached[0]
        outcome = reconcile_once(
            [tree], backend=backend, variables=VARIABLES, cache=ManifestCache(DirectoryStore(directory))
        )
        assert outcome.ok
        openai = tree / "openai.yaml"
        openai.write_text(openai.read_text().replace("model: gpt-4o-mini", "model: gpt-4o", 1))
        uncached, first, stored = plans()
        assert uncached == first == stored
        assert "gpt-4o" in uncached[0] and "Connector/openai-chat (replace)" in uncached[0]
