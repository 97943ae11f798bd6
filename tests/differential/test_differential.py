"""The embedded engine answers the scenario like the real ML Commons 2.19.1 node, except ACCEPTED."""

import json
import os
from pathlib import Path
from typing import Any

import httpx
import pytest

from differential.accepted import ACCEPTED
from differential.cases import SCENARIO
from differential.compare import differences, is_accepted
from differential.normalise import normalise
from differential.record import RECORDING, record
from differential.runner import run_scenario
from mlgitops.engine import LocalEngine
from mlgitops.engine.http.transport import EngineTransport
from mlgitops.standin.server import StandinServer

# A real node to compare with live (the scenario wipes its ML Commons resources first).
LIVE_URL = os.environ.get("MLGITOPS_DIFF_OPENSEARCH_URL") or os.environ.get("MLGITOPS_TEST_OPENSEARCH_URL")
NAMES = [step.name for step in SCENARIO if step.recorded]


@pytest.fixture(scope="module", params=["recorded", pytest.param("live", marks=pytest.mark.opensearch)])
def reference(request: pytest.FixtureRequest) -> dict[str, Any]:
    """The real node's answers: the recording, and live from the session's node (or a node URL)."""
    if request.param == "live":
        url = LIVE_URL or request.getfixturevalue("opensearch_node").url
        answers = record(url)["answers"]
    else:
        answers = json.loads(RECORDING.read_text(encoding="utf-8"))["answers"]
    # Normalised again, so a recording made before a normalisation rule was added compares by it too.
    return {name: {**answer, "body": normalise(answer["body"], {})} for name, answer in answers.items()}


@pytest.fixture(scope="module")
def engine_answers(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The embedded engine's answers, through EngineTransport (in-process) and the real executor."""
    directory: Path = tmp_path_factory.mktemp("engine")
    with (
        StandinServer() as standin,
        LocalEngine(directory) as engine,
        httpx.Client(transport=EngineTransport(engine), base_url="http://local-engine") as client,
    ):
        return run_scenario(client, standin.url)


def test_the_recording_covers_the_scenario(reference: dict[str, Any]) -> None:
    assert sorted(reference) == sorted(NAMES)
    assert len(NAMES) >= 60


def test_every_accepted_difference_names_a_step() -> None:
    assert set(ACCEPTED) <= set(NAMES)
    assert all(reason.strip() for _, reason in ACCEPTED.values())


@pytest.mark.parametrize("name", NAMES)
def test_engine_answers_like_the_real_node(
    name: str, reference: dict[str, Any], engine_answers: dict[str, Any]
) -> None:
    found = list(differences(reference[name], engine_answers[name]))
    prefixes, _ = ACCEPTED.get(name, ((), ""))
    unexplained = [str(d) for d in found if not is_accepted(d, prefixes)]
    assert not unexplained, "\n".join(unexplained)
    if name in ACCEPTED:
        assert found, f"{name} no longer differs: remove it from ACCEPTED"
