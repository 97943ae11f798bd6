"""Every blueprint predicts exactly as before: the same bytes on the wire, the same result or error."""

import json

import goldenkit
import pytest


@pytest.fixture(scope="module")
def produced() -> dict[str, str]:
    """Every case's record, produced once for the tests below (the cases are seeded: no test changes them)."""
    return dict(goldenkit.records())


def test_every_case_matches_its_recorded_digest(produced: dict[str, str]) -> None:
    recorded = json.loads(goldenkit.GOLDEN.read_text(encoding="utf-8"))
    if not goldenkit.SHARED.is_dir():
        recorded = {case: value for case, value in recorded.items() if not case.startswith("shared/")}
    assert produced.keys() == recorded.keys()
    differing = [case for case, text in produced.items() if goldenkit.digest(text) != recorded[case]]
    assert not differing, f"{len(differing)} cases differ, first {differing[0]}:\n{produced[differing[0]]}"


def test_the_cases_reach_results_with_odd_floats_as_well_as_errors(produced: dict[str, str]) -> None:
    outcomes = [text.rsplit("\n---\n", 1)[-1] for text in produced.values()]
    results = [outcome for outcome in outcomes if outcome.startswith('{"inference_results"')]
    assert len(results) >= 300
    assert len(outcomes) - len(results) >= 300
    assert any("NaN" in result and "Infinity" in result for result in results)
    assert any("1e-45" in result and "1e-40" in result for result in results)  # subnormals kept
