"""deepdiff output as our Change tuples; credential changes from digests only."""

# mypy: allow-untyped-defs, allow-untyped-calls

from mlgitops.plan.actions import Change
from mlgitops.plan.diffing import build_changes, build_secret_changes, format_path


def test_paths_are_dotted_with_indexes():
    assert format_path(["actions", 0, "url"]) == "actions[0].url"
    assert format_path(["plugins.ml_commons.x"]) == "plugins.ml_commons.x"


def test_changes_added_removed_and_changed():
    before = {"a": 1, "b": {"c": [1, 2], "d": [{"x": 1}]}, "gone": "x"}
    after = {"a": 2, "b": {"c": [1, 3], "d": [{"x": 2}]}, "new": True}
    assert build_changes(before, after) == (
        Change("a", 1, 2),
        Change("b.c", [1, 2], [1, 3]),
        Change("b.d[0].x", 1, 2),
        Change("gone", "x", None),
        Change("new", None, True),
    )


def test_a_list_of_scalars_changes_as_a_whole():
    before = {"regex": ["^a$", "^b$"]}
    after = {"regex": ["^new$", "^a$", "^b$"]}
    assert build_changes(before, after) == (Change("regex", ["^a$", "^b$"], ["^new$", "^a$", "^b$"]),)


def test_type_change_and_no_change():
    assert build_changes({"a": "1"}, {"a": 1}) == (Change("a", "1", 1),)
    assert build_changes({"a": [1]}, {"a": [1]}) == ()


def test_secret_changes_never_carry_digests():
    changes = build_secret_changes("credential.", {"k": "d1", "old": "d2"}, {"k": "d9", "new": "d3"})
    assert [(c.path, c.before, c.after, c.sensitive) for c in changes] == [
        ("credential.k", "(sensitive value)", "(sensitive value changed)", True),
        ("credential.new", None, "(sensitive value)", True),
        ("credential.old", "(sensitive value)", None, True),
    ]
    assert build_secret_changes("credential.", {"k": "d"}, {"k": "d"}) == ()
    assert len(build_secret_changes("credential.", None, {"k": "d"})) == 1


def test_equal_values_of_different_types_still_change():
    assert build_changes({"a": {"n": [1, {"x": "y"}]}}, {"a": {"n": [1, {"x": "y"}]}}) == ()
    assert [change.path for change in build_changes({"n": 1}, {"n": 1.0})] == ["n"]
    assert [change.path for change in build_changes({"n": {"a": 1}}, {"n": {"a": 1, "b": 2}})] == ["n.b"]
