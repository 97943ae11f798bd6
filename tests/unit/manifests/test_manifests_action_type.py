"""``action_type`` is accepted in any case, as ML Commons upper-cases it."""

import pytest
from manifest_helpers import CONNECTOR, Loader, messages

from mlgitops.model.resources import ConnectorDocument


@pytest.mark.parametrize("spelled", ["predict", "PREDICT", "Predict", "pReDiCt"])
def test_any_case_of_predict_is_valid_and_kept_as_written(load_text: Loader, spelled: str) -> None:
    result = load_text(CONNECTOR.replace("action_type: predict", f"action_type: {spelled}"))
    assert result.ok, result.issues
    document = result.documents[0].document
    assert isinstance(document, ConnectorDocument)
    assert document.spec.actions[0].action_type == spelled


@pytest.mark.parametrize(
    "spelled", ["Execute", "Batch_Predict", "cancel_BATCH_predict", "Batch_predict_Status"]
)
def test_every_action_type_in_mixed_case_is_valid(load_text: Loader, spelled: str) -> None:
    assert load_text(CONNECTOR.replace("action_type: predict", f"action_type: {spelled}")).ok


@pytest.mark.parametrize("spelled", ["Predicts", "pre-dict", "train", " predict"])
def test_other_words_list_the_action_types(load_text: Loader, spelled: str) -> None:
    result = load_text(CONNECTOR.replace("action_type: predict", f"action_type: '{spelled}'"))
    (error,) = result.errors
    assert (error.line, error.column, error.json_path) == (14, 7, "spec.actions[0].action_type")
    assert error.message.startswith(
        f"spec.actions[0].action_type: '{spelled}' is not one of predict, execute, batch_predict, "
        "cancel_batch_predict, batch_predict_status (in any case)"
    )


def test_a_close_word_gets_a_suggestion(load_text: Loader) -> None:
    result = load_text(CONNECTOR.replace("action_type: predict", "action_type: Predcit"))
    assert messages(result)[0].endswith("(in any case); did you mean 'predict'?")


def test_inline_connector_in_mixed_case_counts_as_a_predict_action(load_text: Loader) -> None:
    model = (
        "apiVersion: mlgitops/v1\nkind: Model\nmetadata: {name: m}\nspec:\n  function_name: remote\n"
        "  inline_connector:\n    protocol: http\n    actions:\n      - action_type: Predict\n"
        "        method: POST\n        url: https://api.openai.com/v1/embeddings\n"
    )
    assert messages(load_text(model)) == []
