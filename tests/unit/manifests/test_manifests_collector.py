"""Loading runs with the cyclic garbage collector paused, and leaves it as it found it."""

import gc
from pathlib import Path

import pytest

from mlgitops.manifests import pipeline
from mlgitops.manifests.collector import collector_paused

DOCUMENT = "apiVersion: mlgitops/v1\nkind: ModelGroup\nmetadata:\n  name: g\nspec: {}\n"


def test_loading_pauses_the_collector_and_turns_it_back_on(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    (tmp_path / "m.yaml").write_text(DOCUMENT, encoding="utf-8")
    during: list[bool] = []
    real = pipeline.parse_documents

    def parsing(text: str, path: Path):  # type: ignore[no-untyped-def]
        during.append(gc.isenabled())
        return real(text, path)

    monkeypatch.setattr(pipeline, "parse_documents", parsing)
    assert gc.isenabled()
    assert pipeline.load_manifests([tmp_path]).ok
    assert during == [False]
    assert gc.isenabled()


def test_the_collector_comes_back_after_an_error_and_stays_off_when_it_was_off():
    with pytest.raises(RuntimeError), collector_paused():
        assert not gc.isenabled()
        raise RuntimeError
    assert gc.isenabled()
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_what_the_block_built_is_aged_into_the_oldest_generation_and_cycles_stay_collectable():
    class Node:
        pass

    with collector_paused():
        kept = [[i] for i in range(1000)]  # lists are always tracked (small dicts may not be)
        cycle = Node()
        cycle.self = cycle  # type: ignore[attr-defined]
    young = {id(item) for item in gc.get_objects(generation=0)}
    assert not any(id(item) in young for item in kept)
    assert any(item is kept[0] for item in gc.get_objects(generation=2))
    assert gc.get_freeze_count() == 0
    del cycle
    assert gc.collect() >= 1
