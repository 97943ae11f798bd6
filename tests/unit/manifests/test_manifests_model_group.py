"""A Model without model_group: ML Commons creates a group mlgitops never owns, so warn."""

from manifest_helpers import CONNECTOR, Loader, messages

GROUP = "apiVersion: mlgitops/v1\nkind: ModelGroup\nmetadata:\n  name: g\nspec: {}\n"
MODEL = """\
apiVersion: mlgitops/v1
kind: Model
metadata:
  name: chat
spec:
  function_name: remote
  connector: openai
"""
HINT = "set model_group to a ModelGroup manifest so mlgitops manages the group"


def test_model_without_model_group_is_a_located_warning(load_text: Loader) -> None:
    result = load_text(CONNECTOR + "---\n" + MODEL)
    assert result.ok
    (warning,) = result.warnings
    assert warning.severity == "warning"
    assert (warning.line, warning.column, warning.document) == (25, 1, 1)  # the spec: key of the model
    assert warning.json_path == "spec.model_group"
    assert warning.message == (
        "no model_group: ML Commons creates a model group named 'chat' for this model, which mlgitops "
        f"does not own and never deletes; {HINT}"
    )
    assert warning.format().startswith(f"{warning.path}:25:1: warning: no model_group: ")


def test_the_warning_names_the_ml_name_of_the_model(load_text: Loader) -> None:
    result = load_text(CONNECTOR + "---\n" + MODEL + "  name: Chat model v2\n")
    assert "named 'Chat model v2'" in messages(result, "warning")[0]


def test_model_with_a_model_group_has_no_warning(load_text: Loader) -> None:
    result = load_text(CONNECTOR + "---\n" + GROUP + "---\n" + MODEL + "  model_group: g\n")
    assert result.issues == ()


def test_inline_connector_model_without_group_is_warned_too(load_text: Loader) -> None:
    model = MODEL.replace(
        "  connector: openai\n",
        "  inline_connector:\n    protocol: http\n    actions:\n      - action_type: predict\n"
        "        method: POST\n        url: https://api.openai.com/v1/embeddings\n",
    )
    result = load_text(model)
    assert [issue.severity for issue in result.issues] == ["warning"]
    assert HINT in result.issues[0].message
