"""Text, markdown and JSON renderings of plans; secrets never appear."""

# mypy: allow-untyped-defs, allow-untyped-calls

import json

from plan_states import CONN, full_desired, full_state, state

from mlgitops.plan.actions import Action, Change, Plan, Verb
from mlgitops.plan.jsonplan import build_plan_data, render_json
from mlgitops.plan.markdown import render_markdown
from mlgitops.plan.planning import build_plan
from mlgitops.plan.rendering import NO_CHANGES, format_value, render_summary, render_text


def sample_plan() -> Plan:
    return build_plan(full_desired(), state(), target="local:x")


def test_text_lists_symbols_reasons_changes_and_summary():
    text = render_text(sample_plan())
    assert "+ Connector/conn (create)" in text
    assert "> Model/model (deploy)" in text
    assert "# not on the target" in text
    assert "+ credential.key: (sensitive value)" in text
    assert text.rstrip().endswith(
        "Plan: 3 to add, 0 to change, 0 to replace, 0 to destroy, 1 to deploy, 0 to undeploy."
    )
    assert "\x1b[" not in text
    assert "\x1b[32m" in render_text(sample_plan(), colour=True)


def test_list_changes_show_items_added_and_removed():
    change = Change("regex", ["^a$", "^old$"], ["^new$", "^a$"])
    text = render_text(Plan((Action(0, Verb.UPDATE, CONN, "r", changes=(change,)),)))
    assert '    ~ regex:\n        - "^old$"\n        + "^new$"\n' in text
    reordered = Change("regex", ["^a$", "^b$"], ["^b$", "^a$"])
    text = render_text(Plan((Action(0, Verb.UPDATE, CONN, "r", changes=(reordered,)),)))
    assert '~ regex: (order changed) ["^b$", "^a$"]' in text


def test_an_empty_plan_still_says_what_it_keeps():
    kept = Plan((), kept=(CONN,))
    assert render_summary(kept) == (
        "No changes to apply, but 1 owned resource is no longer in the manifests (kept; --prune deletes)."
    )
    assert "2 owned resources are" in render_summary(Plan((), kept=(CONN, CONN)))
    assert build_plan_data(kept)["kept"] == [str(CONN)]


def test_empty_plan_and_replace_counting():
    assert render_summary(Plan(())) == NO_CHANGES
    replace = Action(0, Verb.REPLACE, CONN, "r")
    old = Action(1, Verb.DELETE, CONN, "old", resource_id="c1")
    assert "1 to replace, 0 to destroy" in render_summary(Plan((replace, old)))
    assert render_summary(Plan((Action(0, Verb.ADOPT, CONN, "a"),))).endswith("1 to adopt.")


def test_sensitive_values_are_masked_even_if_misfilled():
    change = Change("credential.k", "leaked-before", "leaked-after", sensitive=True)
    plan = Plan((Action(0, Verb.UPDATE, CONN, "r", changes=(change,)),))
    for output in (render_text(plan), render_markdown(plan), render_json(plan)):
        assert "leaked" not in output
    assert format_value("x" * 500) == '"' + "x" * 500 + '"'  # never cut


def test_json_is_versioned_with_paths_and_flags():
    data = json.loads(render_json(build_plan(full_desired(deployed=False), full_state())))
    assert data["format_version"] == "1" and data["has_changes"]
    (action,) = data["actions"]
    assert action["verb"] == "undeploy" and action["key"] == "Model/model" and action["reason"]
    assert action["changed_paths"] == [] and action["disruptive"] is False
    assert data["summary"]["undeploy"] == 1
    assert build_plan_data(Plan(()))["has_changes"] is False


def test_markdown_collapses_details_and_stays_under_the_limit():
    plan = sample_plan()
    markdown = render_markdown(plan)
    assert markdown.index("**Plan:") < markdown.index("<details>")
    assert "```diff" in markdown and "</details>" in markdown
    big = Plan(tuple(Action(i, Verb.UPDATE, CONN, "x" * 500) for i in range(500)))
    text = render_markdown(big)
    assert len(text) < 65_535
    assert "truncated" in text and text.rstrip().endswith("</details>")
    assert render_markdown(Plan(())).count("<details>") == 0


def test_markdown_caps_many_warnings_too():
    warnings = tuple(f"Model/m{i} is no longer in the manifests: kept " + "x" * 200 for i in range(2000))
    text = render_markdown(Plan((Action(0, Verb.UPDATE, CONN, "r"),), warnings=warnings))
    assert len(text) < 65_535
    assert "more warning(s)" in text and "<details>" in text and "Model/m0 " in text
