"""Plans a reviewer can read in full: every field of a created or replaced resource laid out, nothing cut."""

# mypy: allow-untyped-defs, allow-untyped-calls

import json

from plan_states import CONN, MODEL, server_connector, state

from mlgitops.model.resources import Kind, ResourceKey
from mlgitops.plan import expanding
from mlgitops.plan.actions import Action, Change, Plan, Verb
from mlgitops.plan.diffing import masked_change
from mlgitops.plan.jsonplan import render_json
from mlgitops.plan.markdown import render_markdown
from mlgitops.plan.planning import build_plan
from mlgitops.plan.rendering import render_text
from mlgitops.plan.state import ActualResource, DesiredResource, OwnershipRecord

LONG_URL = "https://bedrock-runtime.us-east-1.amazonaws.com/model/" + "m" * 180 + "/invoke"
SCRIPT = (
    "\n    def name = params.name;\n    if (name == null) {\n      return params.message;\n    }\n"
    "    return name;\n  "
)
LITERAL = "literal-api-key-0123456789"
CREATED = {
    "name": "conn",
    "version": "1",
    "protocol": "http",
    "parameters": {"endpoint": "api.openai.com", "model": "text-embedding-3-small"},
    "actions": [
        {
            "action_type": "predict",
            "method": "POST",
            "url": LONG_URL,
            "headers": {"Authorization": "Bearer ${credential.key}", "x-api-key": LITERAL},
            "request_body": '{ "input": ${parameters.input}, "model": "${parameters.model}" }',
            "post_process_function": SCRIPT,
        }
    ],
}
EXPECTED_CREATE = """\
+ Connector/conn (create)
    # not on the target
    + actions:
        + [0]:
            + action_type: "predict"
            + headers:
                + Authorization: "Bearer ${credential.key}"
                + x-api-key: (sensitive value)
            + method: "POST"
            + post_process_function: |
                    def name = params.name;
                    if (name == null) {
                      return params.message;
                    }
                    return name;
            + request_body: "{ \\"input\\": ${parameters.input}, \\"model\\": \\"${parameters.model}\\" }"
            + url: "LONG_URL"
    + name: "conn"
    + parameters:
        + endpoint: "api.openai.com"
        + model: "text-embedding-3-small"
    + protocol: "http"
    + version: "1"
    + credential.key: (sensitive value)
""".replace("LONG_URL", LONG_URL)


def created_plan() -> Plan:
    desired = DesiredResource(CONN, CREATED, secret_digests={"key": "hmac-sha256:aaa"})
    return build_plan([desired], state())


def test_a_created_connector_shows_every_field_line_by_line() -> None:
    text = render_text(created_plan())
    block = text.split("\n\n")[1]
    assert block + "\n" == EXPECTED_CREATE
    assert "…" not in text


def test_markdown_shows_the_same_expanded_block() -> None:
    markdown = render_markdown(created_plan())
    assert EXPECTED_CREATE in markdown


def test_the_expanded_create_masks_credentials_and_secret_looking_headers() -> None:
    plan = created_plan()
    for output in (render_text(plan), render_markdown(plan), render_json(plan)):
        assert LITERAL not in output
        assert "hmac-sha256" not in output
    assert "+ x-api-key: (sensitive value)" in render_text(plan)


def test_an_update_shows_changed_nested_fields_and_script_lines() -> None:
    actual = server_connector()
    actual["actions"][0]["post_process_function"] = SCRIPT
    record = OwnershipRecord(CONN, "c1", secret_digests={"key": "hmac-sha256:aaa"})
    owned = ActualResource(CONN, "c1", actual, record)
    new_script = SCRIPT.replace("return name;", "return name + params.suffix;")
    request_body = '{"input": "${parameters.input}", "n": 2, "dims": 512, "normalize": true}'
    action = {**actual["actions"][0], "request_body": request_body, "post_process_function": new_script}
    body = {
        "name": "conn",
        "version": 1,
        "protocol": "http",
        "parameters": {"endpoint": "api.openai.com", "dims": 8, "opts": {"a": 1, "b": 2}},
        "actions": [{**action, "action_type": "PREDICT", "url": LONG_URL}],
    }
    desired = DesiredResource(CONN, body, secret_digests={"key": "hmac-sha256:aaa"})
    text = render_text(build_plan([desired], state(owned)))
    assert "    ~ actions[0].post_process_function:\n" in text
    assert "\n        -     return name;\n        +     return name + params.suffix;\n" in text
    assert "\n              def name = params.name;\n" in text  # unchanged context lines are kept
    url_change = (
        f'    ~ actions[0].url:\n        - "https://${{parameters.endpoint}}/v1"\n        + "{LONG_URL}"\n'
    )
    assert url_change in text
    assert "    + actions[0].request_body.dims: 512\n    ~ actions[0].request_body.n: 1 -> 2\n" in text
    assert "    + parameters.opts.b: 2\n" in text
    assert "…" not in text


def test_a_replacement_lists_every_field_of_the_new_resource() -> None:
    inline = {"protocol": "http", "actions": [{"url": LONG_URL, "headers": {"api-key": LITERAL}}]}
    body = {"name": "m", "function_name": "remote", "connector": inline}
    action = Action(0, Verb.REPLACE, MODEL, "function_name cannot be updated", body=body)
    text = render_text(Plan((action,)))
    assert "    # the new Model/model:\n    + connector:\n        + actions:\n            + [0]:\n" in text
    assert "                + headers:\n                    + api-key: (sensitive value)\n" in text
    assert f'                + url: "{LONG_URL}"\n' in text
    assert LITERAL not in text + render_markdown(Plan((action,)))


PIPELINE = {
    "description": "embed",
    "processors": [
        {"ml_inference": {"model_id": "m", "input_map": [{"input": "text"}]}},
        {"script": {"source": "ctx.a = 1;\nctx.b = 2;"}},
    ],
}
AGENT = {
    "type": "flow",
    "tools": [{"type": "MLModelTool", "parameters": {"model_id": "m", "prompt": "Q: ${parameters.q}"}}],
}
EXPECTED_ANY_KIND = """\
    + agent:
        + tools:
            + [0]:
                + parameters:
                    + model_id: "m"
                    + prompt: "Q: ${parameters.q}"
                + type: "MLModelTool"
        + type: "flow"
    + pipeline:
        + description: "embed"
        + processors:
            + [0]:
                + ml_inference:
                    + input_map:
                        + [0]:
                            + input: "text"
                    + model_id: "m"
            + [1]:
                + script:
                    + source: |
                            ctx.a = 1;
                            ctx.b = 2;
"""


def test_any_kind_renders_nested_bodies_the_same_way() -> None:
    changes = (masked_change(["agent"], None, AGENT), masked_change(["pipeline"], None, PIPELINE))
    key = ResourceKey(Kind.MODEL_GROUP, "any")
    text = render_text(Plan((Action(0, Verb.CREATE, key, "not on the target", changes),)))
    assert EXPECTED_ANY_KIND in text


def test_layout_helpers() -> None:
    assert expanding.expand("+", "k", {}) == ["+ k: {}"]
    assert expanding.expand("-", "k", []) == ["- k: []"]
    assert expanding.expand("+", "a b", 1) == ["+ a b: 1"]
    assert expanding.entries("+", {"a b": 1}) == ['+ "a b": 1']
    assert expanding.block_lines("\n\t x\n\t  y\n") == ["x", " y"]
    assert expanding.text_diff("a\nb\n", "a\nc\n") == ["  a", "- b", "+ c"]
    assert expanding.entries("-", "x\n  y") == ["- |", "    x", "      y"]
    to_map = render_text(Plan((Action(0, Verb.UPDATE, CONN, "r", (Change("p", "a\nb", {"k": 1}),)),)))
    assert "    ~ p:\n        - |\n            a\n            b\n        + k: 1\n" in to_map
    change = Change("p", {"x": {"y": 1}}, {"x": {"y": 2}})
    assert render_text(Plan((Action(0, Verb.UPDATE, CONN, "r", (change,)),))).count("~ y: 1 -> 2") == 1
    assert json.loads(render_json(created_plan()))["actions"][0]["verb"] == "create"
