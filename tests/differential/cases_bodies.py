"""Scenario steps: malformed and odd request bodies, routing, and the document API mlgitops uses."""

from differential.bodies import openai_connector
from differential.cases_resources import ML
from differential.scenario import Step

_VALID = '{"name": "diff-comment", /* a comment */ "description": "x"}'

BODIES = [
    Step("connector_create_invalid_json", "POST", f"{ML}/connectors/_create", raw='{"name": "x",'),
    Step("connector_create_not_json", "POST", f"{ML}/connectors/_create", raw="name=x"),
    Step("group_register_invalid_json", "POST", f"{ML}/model_groups/_register", raw="{name: 1}"),
    Step("model_register_invalid_json", "POST", f"{ML}/models/_register", raw='{"name": "x" "y"}'),
    Step("group_register_no_colon", "POST", f"{ML}/model_groups/_register", raw='{"name" "x"}'),
    Step("group_register_no_value", "POST", f"{ML}/model_groups/_register", raw='{"name": }'),
    Step(
        "group_register_array_no_comma",
        "POST",
        f"{ML}/model_groups/_register",
        raw='{"name": "x",\n "backend_roles": ["a" "b"]}',
    ),
    Step("group_register_truncated_array", "POST", f"{ML}/model_groups/_register", raw='{"a": [1, '),
    Step(
        "group_register_duplicate_key",
        "POST",
        f"{ML}/model_groups/_register",
        raw='{"name": "diff-dup", "name": "diff-dup-2"}',
    ),
    Step(
        "group_register_comment",
        "POST",
        f"{ML}/model_groups/_register",
        raw=_VALID,
        capture={"group_comment": "model_group_id"},
    ),
    Step("group_register_array", "POST", f"{ML}/model_groups/_register", raw="[1, 2]"),
    Step(
        "connector_create_actions_object",
        "POST",
        f"{ML}/connectors/_create",
        openai_connector(name="diff-actions-object", actions={"action_type": "predict"}),
    ),
    Step("connector_create_no_body", "POST", f"{ML}/connectors/_create"),
    Step("connector_update_no_body", "PUT", f"{ML}/connectors/<<conn_openai>>"),
    Step("group_register_no_body", "POST", f"{ML}/model_groups/_register"),
    Step("group_update_no_body", "PUT", f"{ML}/model_groups/<<group_a>>"),
    Step("model_register_no_body", "POST", f"{ML}/models/_register"),
    Step("model_update_no_body", "PUT", f"{ML}/models/<<model_own_group>>"),
    Step("route_unknown", "GET", f"{ML}/no_such_endpoint"),
    Step("route_wrong_method", "DELETE", f"{ML}/connectors/_search"),
]

_DOC = "/.mlgitops"

DOCUMENTS = [
    Step("doc_create", "PUT", f"{_DOC}/_create/digest-key?refresh=true", {"type": "key", "value": "abc"}),
    Step("doc_create_again", "PUT", f"{_DOC}/_create/digest-key?refresh=true", {"type": "key", "value": "x"}),
    Step("doc_get", "GET", f"{_DOC}/_doc/digest-key"),
    Step("doc_get_missing", "GET", f"{_DOC}/_doc/no-such-doc"),
    Step("doc_put", "PUT", f"{_DOC}/_doc/record:Model:a?refresh=true", {"type": "record", "name": "a"}),
    Step(
        "doc_put_conflict",
        "PUT",
        f"{_DOC}/_doc/record:Model:a?refresh=true&if_seq_no=99&if_primary_term=1",
        {"type": "record", "name": "b"},
    ),
    Step(
        "doc_search",
        "POST",
        f"{_DOC}/_search",
        {"query": {"term": {"type": "record"}}, "size": 100},
    ),
    Step("doc_delete", "DELETE", f"{_DOC}/_doc/record:Model:a?refresh=true"),
    Step("doc_delete_missing", "DELETE", f"{_DOC}/_doc/record:Model:a?refresh=true"),
    Step("doc_get_missing_index", "GET", "/.mlgitops-none/_doc/x"),
]
