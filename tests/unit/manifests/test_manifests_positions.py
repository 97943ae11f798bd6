"""JSON paths and YAML positions."""

import pytest
import yaml

from mlgitops.manifests.positions import collect_positions, format_path, parse_path


@pytest.mark.parametrize(
    ("path", "text"),
    [
        (("spec", "actions", 0, "url"), "spec.actions[0].url"),
        (
            ("spec", "plugins.ml_commons.only_run_on_ml_node"),
            'spec["plugins.ml_commons.only_run_on_ml_node"]',
        ),
        (("spec", "headers", 'a"b'), 'spec.headers["a\\"b"]'),
        ((), ""),
    ],
)
def test_format_and_parse_round_trip(path: tuple[str | int, ...], text: str) -> None:
    assert format_path(path) == text
    assert parse_path(text) == path


def test_parse_accepts_dollar_prefix() -> None:
    assert parse_path("$.spec.actions[1]") == ("spec", "actions", 1)


def test_positions_point_at_keys_and_items_and_fall_back_to_ancestors() -> None:
    node = yaml.compose("a: 1\nspec:\n  list:\n    - x\n    - y: 2\n")
    assert node is not None
    positions = collect_positions(node)
    assert positions.locate(("spec",)) == (2, 1)
    assert positions.locate(("spec", "list", 1)) == (5, 7)
    assert positions.locate(("spec", "list", 1, "y")) == (5, 7)
    assert positions.locate(("spec", "list", 1, "missing", 3)) == (5, 7)
    assert positions.locate(("nothing",)) == (1, 1)


def test_duplicate_keys_are_recorded() -> None:
    node = yaml.compose("a: 1\nb:\n  c: 1\n  c: 2\n")
    assert node is not None
    positions = collect_positions(node)
    assert positions.duplicate_keys == (("b", "c"),)
