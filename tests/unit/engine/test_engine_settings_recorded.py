"""The engine's settings table against answers recorded from a real OpenSearch 2.19.1 + ML Commons node.

``tests/data/realnode/ml-settings-2.19.1.json`` holds what the node listed under
``include_defaults`` and how it answered a ``PUT _cluster/settings`` of each probe value.
"""

import json
from pathlib import Path
from typing import Any

import pytest

from mlgitops.engine.resources import settings as engine_settings
from mlgitops.errors import EngineError
from mlgitops.model import mlsettings

RECORDED = json.loads(
    (Path(__file__).parents[2] / "data" / "realnode" / "ml-settings-2.19.1.json").read_text(encoding="utf-8")
)
# The recording node sets these in its opensearch.yml (loopback endpoints, memory checks off).
NODE_OVERRIDES = {
    "plugins.ml_commons.disk_free_space_threshold",
    "plugins.ml_commons.jvm_heap_memory_threshold",
    "plugins.ml_commons.native_memory_threshold",
    "plugins.ml_commons.only_run_on_ml_node",
    "plugins.ml_commons.trusted_connector_endpoints_regex",
}


def test_the_table_lists_exactly_the_settings_the_real_node_registers() -> None:
    assert sorted(setting.name for setting in mlsettings.SETTINGS_2_19) == sorted(RECORDED["defaults"])


def test_the_table_defaults_are_the_real_ones() -> None:
    for name, real in RECORDED["defaults"].items():
        if name not in NODE_OVERRIDES:
            assert mlsettings.render_value(mlsettings.BY_NAME[name].default) == real, name


def _engine_answer(key: str, value: Any) -> tuple[int, str | None]:
    try:
        engine_settings.validate("transient", key, value)
    except EngineError as exc:
        return 400, str(exc)
    return 200, None


@pytest.mark.parametrize("probe", RECORDED["probes"], ids=lambda p: f"{p['key'][19:]}={p['value']}")
def test_engine_accepts_and_refuses_each_value_like_the_real_node(probe: dict[str, Any]) -> None:
    assert _engine_answer(probe["key"], probe["value"]) == (probe["status"], probe["reason"])


def test_the_probes_cover_every_setting_and_both_outcomes() -> None:
    probed = {probe["key"] for probe in RECORDED["probes"]}
    assert probed >= set(mlsettings.BY_NAME)
    assert {probe["status"] for probe in RECORDED["probes"]} == {200, 400}
