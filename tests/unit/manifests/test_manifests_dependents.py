"""Pipelines and agents in manifests: schema, {model: NAME} references, located errors."""

from manifest_helpers import CONNECTOR, Loader, messages

from mlgitops.model.resources import Kind
from mlgitops.plan.desired import build_desired

MODEL = """\
apiVersion: mlgitops/v1
kind: Model
metadata:
  name: chat
spec:
  function_name: remote
  model_group: g
  connector: openai
  deployed: {deployed}
---
apiVersion: mlgitops/v1
kind: ModelGroup
metadata:
  name: g
spec: {{}}
"""

PIPELINE = """\
apiVersion: mlgitops/v1
kind: IngestPipeline
metadata:
  name: embed
spec:
  processors:
    - set: {{field: source, value: web}}
    - ml_inference:
        model_id: {model_id}
        input_map: [{{input: text}}]
"""

AGENT = """\
apiVersion: mlgitops/v1
kind: Agent
metadata:
  name: helper
spec:
  type: {type}
  tools:
    - type: MLModelTool
      parameters: {parameters}
"""


def project(*documents: str, deployed: str = "true") -> str:
    return "---\n".join([CONNECTOR, MODEL.format(deployed=deployed), *documents])


def test_references_to_managed_models_validate_and_become_dependencies(load_text: Loader) -> None:
    search = "apiVersion: mlgitops/v1\nkind: SearchPipeline\nmetadata: {name: rag}\nspec:\n"
    search += "  response_processors: [{retrieval_augmented_generation: {model_id: {model: chat}}}]\n"
    text = project(
        PIPELINE.format(model_id="{model: chat}"),
        AGENT.format(type="flow", parameters="{model_id: {model: chat}}"),
        search,
    )
    result = load_text(text)
    assert messages(result) == []
    desired = {
        resource.key.kind: resource for resource in build_desired(d.document for d in result.documents)
    }
    for kind in (Kind.INGEST_PIPELINE, Kind.SEARCH_PIPELINE, Kind.AGENT):
        assert [str(key) for key in desired[kind].depends_on] == ["Model/chat"]
    assert desired[Kind.AGENT].body["name"] == "helper"
    assert desired[Kind.INGEST_PIPELINE].body["processors"][1]["ml_inference"]["model_id"] == {
        "model": "chat"
    }


def test_unknown_model_is_a_located_error_with_a_suggestion(load_text: Loader) -> None:
    result = load_text(project(PIPELINE.format(model_id="{model: chta}")))
    assert messages(result) == ["no Model named 'chta' in the manifests; did you mean 'chat'?"]
    assert result.errors[0].json_path == "spec.processors[1].ml_inference.model_id"
    assert result.errors[0].line == 45


def test_a_user_of_an_undeployed_model_is_an_error(load_text: Loader) -> None:
    result = load_text(
        project(AGENT.format(type="flow", parameters="{model_id: {model: chat}}"), deployed="false")
    )
    assert messages(result) == [
        "Model/chat has deployed: false, so every call through this Agent would fail; "
        "set deployed: true on the model, or use another one"
    ]


def test_malformed_references_and_missing_tool_models(load_text: Loader) -> None:
    result = load_text(
        project(
            PIPELINE.format(model_id="{name: chat}"), AGENT.format(type="flow", parameters="{prompt: hi}")
        )
    )
    assert messages(result) == [
        "model_id takes a model id or {model: NAME} (the name of a Model manifest)",
        "an MLModelTool needs parameters.model_id ({model: NAME} or a model id)",
    ]


def test_a_literal_model_id_is_accepted_and_an_unknown_agent_type_is_refused(load_text: Loader) -> None:
    assert messages(load_text(project(PIPELINE.format(model_id="abc123")))) == []
    result = load_text(project(AGENT.format(type="planner", parameters="{model_id: x}")))
    assert len(result.errors) == 1 and "spec.type" in result.errors[0].json_path


def test_connector_change_is_a_planning_setting_never_sent(load_text: Loader) -> None:
    text = project().replace("  deployed: true\n", "  deployed: true\n  connector_change: in_place\n")
    result = load_text(text)
    assert messages(result) == []
    (model,) = [r for r in build_desired(d.document for d in result.documents) if r.key.kind == Kind.MODEL]
    assert model.connector_change == "in_place" and "connector_change" not in model.body
    bad = load_text(text.replace("connector_change: in_place", "connector_change: rolling"))
    assert len(bad.errors) == 1 and bad.errors[0].json_path == "spec.connector_change"
