"""Scenario steps: models (register, update, deploy, predict, undeploy, delete), tasks and refusals."""

from typing import Any

from differential.bodies import openai_connector, remote_model
from differential.cases_resources import MISSING, ML
from differential.scenario import Step
from mlgitops.model.mlcommons import NEUTRAL_RATE_LIMITER


def is_deployed(_status: int, body: Any) -> bool:
    """Poll predicate: the model reached DEPLOYED (or failed)."""
    return isinstance(body, dict) and body.get("model_state") in ("DEPLOYED", "DEPLOY_FAILED")


def is_finished(_status: int, body: Any) -> bool:
    """Poll predicate: the task is over."""
    return isinstance(body, dict) and body.get("state") in ("COMPLETED", "FAILED", "COMPLETED_WITH_ERROR")


def _inline_connector() -> dict[str, Any]:
    body = openai_connector()
    return {key: body[key] for key in ("name", "protocol", "parameters", "credential", "actions")}


REGISTER = [
    Step(
        "model_register",
        "POST",
        f"{ML}/models/_register",
        remote_model("diff-openai-model"),
        capture={"model_openai": "model_id", "task_register": "task_id"},
    ),
    Step(
        "task_get_register",
        "GET",
        f"{ML}/tasks/<<task_register>>",
        capture={"node": "worker_node.0"},
        poll=is_finished,
    ),
    Step("task_get_missing", "GET", f"{ML}/tasks/{MISSING}"),
    Step("model_get", "GET", f"{ML}/models/<<model_openai>>"),
    Step("model_get_missing", "GET", f"{ML}/models/{MISSING}"),
    Step(
        "model_search",
        "POST",
        f"{ML}/models/_search",
        {"query": {"term": {"name.keyword": "diff-openai-model"}}},
    ),
    Step("group_get_after_register", "GET", f"{ML}/model_groups/<<group_a>>"),
    Step("group_delete_in_use", "DELETE", f"{ML}/model_groups/<<group_a>>"),
    Step(
        "model_register_no_name",
        "POST",
        f"{ML}/models/_register",
        {"function_name": "remote", "connector_id": "<<conn_openai>>"},
    ),
    Step(
        "model_register_no_function",
        "POST",
        f"{ML}/models/_register",
        {"name": "diff-no-function", "connector_id": "<<conn_openai>>"},
    ),
    Step(
        "model_register_bad_function",
        "POST",
        f"{ML}/models/_register",
        remote_model("diff-bad-function", function_name="no_such_function"),
    ),
    Step(
        "model_register_missing_connector",
        "POST",
        f"{ML}/models/_register",
        remote_model("diff-missing-connector", connector_id=MISSING),
    ),
    Step(
        "model_register_bad_rate_limiter",
        "POST",
        f"{ML}/models/_register",
        remote_model("diff-bad-limiter", rate_limiter={"limit": "-1", "unit": "MINUTES"}),
    ),
    Step(
        "model_register_access_fields",
        "POST",
        f"{ML}/models/_register",
        remote_model("diff-access", add_all_backend_roles=True),
    ),
    Step(
        "model_register_inline",
        "POST",
        f"{ML}/models/_register",
        {
            "name": "diff-inline-model",
            "function_name": "remote",
            "model_group_id": "<<group_a>>",
            "connector": _inline_connector(),
        },
        capture={"model_inline": "model_id"},
    ),
    Step("model_get_inline", "GET", f"{ML}/models/<<model_inline>>"),
    Step(
        "model_register_inline_empty",
        "POST",
        f"{ML}/models/_register",
        {"name": "diff-inline-empty", "function_name": "remote", "connector": {}},
    ),
    Step(
        "model_register_inline_no_protocol",
        "POST",
        f"{ML}/models/_register",
        {
            "name": "diff-inline-no-protocol",
            "function_name": "remote",
            "connector": {k: v for k, v in _inline_connector().items() if k != "protocol"},
        },
    ),
    Step(
        "model_register_own_group",
        "POST",
        f"{ML}/models/_register",
        {"name": "diff-own-group", "function_name": "remote", "connector_id": "<<conn_openai>>"},
        capture={"model_own_group": "model_id"},
    ),
]

UPDATE = [
    Step("model_update", "PUT", f"{ML}/models/<<model_openai>>", {"description": "updated model"}),
    Step("model_update_empty", "PUT", f"{ML}/models/<<model_openai>>", {}),
    Step("model_update_missing", "PUT", f"{ML}/models/{MISSING}", {"description": "x"}),
    Step(
        "model_update_inline_on_standalone",
        "PUT",
        f"{ML}/models/<<model_openai>>",
        {"connector": {"description": "x"}},
    ),
    Step(
        "model_update_connector_id_on_inline",
        "PUT",
        f"{ML}/models/<<model_inline>>",
        {"connector_id": "<<conn_openai>>"},
    ),
    Step(
        "model_update_rate_limiter",
        "PUT",
        f"{ML}/models/<<model_openai>>",
        {"rate_limiter": {"limit": "100", "unit": "MINUTES"}},
    ),
    Step("model_update_rate_limiter_null", "PUT", f"{ML}/models/<<model_openai>>", {"rate_limiter": None}),
    Step("model_get_rate_limiter_null", "GET", f"{ML}/models/<<model_openai>>"),
    Step("model_update_rate_limiter_empty", "PUT", f"{ML}/models/<<model_openai>>", {"rate_limiter": {}}),
    Step("model_get_rate_limiter_empty", "GET", f"{ML}/models/<<model_openai>>"),
    Step(
        "model_update_rate_limiter_neutral",
        "PUT",
        f"{ML}/models/<<model_openai>>",
        {"rate_limiter": dict(NEUTRAL_RATE_LIMITER)},
    ),
    Step("model_get_rate_limiter_neutral", "GET", f"{ML}/models/<<model_openai>>"),
    Step(
        "model_update_bad_limit",
        "PUT",
        f"{ML}/models/<<model_openai>>",
        {"rate_limiter": {"limit": "-4", "unit": "MINUTES"}},
    ),
    Step(
        "model_update_missing_group",
        "PUT",
        f"{ML}/models/<<model_openai>>",
        {"model_group_id": MISSING},
    ),
]

LIFECYCLE = [
    Step(
        "model_deploy",
        "POST",
        f"{ML}/models/<<model_openai>>/_deploy",
        capture={"task_deploy": "task_id"},
    ),
    Step("model_get_deployed", "GET", f"{ML}/models/<<model_openai>>", poll=is_deployed),
    Step("task_get_deploy", "GET", f"{ML}/tasks/<<task_deploy>>", poll=is_finished),
    Step(
        "model_predict",
        "POST",
        f"{ML}/models/<<model_openai>>/_predict",
        {"parameters": {"input": ["hello world"]}},
    ),
    Step(
        "model_predict_text_embedding",
        "POST",
        f"{ML}/_predict/text_embedding/<<model_openai>>",
        {"text_docs": ["hello", "world"]},
    ),
    Step("model_delete_deployed", "DELETE", f"{ML}/models/<<model_openai>>"),
    Step("connector_update_in_use", "PUT", f"{ML}/connectors/<<conn_openai>>", {"description": "x"}),
    Step("connector_delete_in_use", "DELETE", f"{ML}/connectors/<<conn_openai>>"),
    Step(
        "model_update_deployed",
        "PUT",
        f"{ML}/models/<<model_openai>>",
        {"description": "updated while deployed"},
    ),
    Step("model_undeploy", "POST", f"{ML}/models/<<model_openai>>/_undeploy"),
    Step("model_get_undeployed", "GET", f"{ML}/models/<<model_openai>>"),
    Step("model_undeploy_again", "POST", f"{ML}/models/<<model_openai>>/_undeploy"),
    Step("model_undeploy_no_ids", "POST", f"{ML}/models/_undeploy", {"model_ids": []}),
    Step("model_deploy_missing", "POST", f"{ML}/models/{MISSING}/_deploy"),
    Step(
        "model_predict_missing", "POST", f"{ML}/models/{MISSING}/_predict", {"parameters": {"input": ["x"]}}
    ),
    Step(
        "model_update_disable",
        "PUT",
        f"{ML}/models/<<model_inline>>",
        {"is_enabled": False},
    ),
    Step(
        "model_predict_disabled",
        "POST",
        f"{ML}/models/<<model_inline>>/_predict",
        {"parameters": {"input": ["x"]}},
    ),
    Step("model_delete", "DELETE", f"{ML}/models/<<model_openai>>"),
    Step("model_get_deleted", "GET", f"{ML}/models/<<model_openai>>"),
    Step("model_delete_missing", "DELETE", f"{ML}/models/{MISSING}"),
    Step("model_delete_inline", "DELETE", f"{ML}/models/<<model_inline>>"),
]
