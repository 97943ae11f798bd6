"""Blueprint placeholders in every form the official documents use, located; prompt markup left alone."""

import pytest
from manifest_helpers import Loader

from mlgitops.manifests.placeholders import find_placeholder

CONNECTOR = """\
apiVersion: mlgitops/v1
kind: Connector
metadata: {name: c}
spec:
  version: 1
  protocol: http
  parameters:
    model: MODEL
    input_type: INPUT_TYPE
  credential: {key: CREDENTIAL}
  actions:
    - action_type: predict
      method: POST
      url: URL
      headers: {Authorization: "Bearer ${credential.key}"}
      request_body: 'BODY'
"""


def connector(**fields: str) -> str:
    values = {
        "MODEL": "gpt-4o",
        "INPUT_TYPE": "search_query",
        "CREDENTIAL": "{env: KEY}",
        "URL": "https://api.openai.com/v1/x",
        "BODY": '{"model": "${parameters.model}"}',
    }
    text = CONNECTOR
    for name, value in (values | fields).items():
        text = text.replace(name, value)
    return text


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("<MODEL_ID>", "<MODEL_ID>"),
        ("arn:<folder_ID>/x", "<folder_ID>"),
        ("<API-KEY>", "<API-KEY>"),
        ("<PLEASE ADD YOUR AWS REGION HERE>", "<PLEASE ADD YOUR AWS REGION HERE>"),
        ("<search_document|search_query>", "<search_document|search_query>"),
        ("<s>[INST] hi [/INST]", None),
        ("<start_of_turn>user\n<end_of_turn>", None),
        ("<|im_start|>system", None),
        ("a <b> tag", None),
        ("x {{name}} y", None),
    ],
)
def test_placeholder_forms(text: str, found: str | None) -> None:
    placeholder = find_placeholder(text)
    assert (placeholder.text if placeholder else None) == found


def test_mustache_only_when_asked() -> None:
    placeholder = find_placeholder("https://h/endpoints/{{endpoint_name}}/invocations", mustache=True)
    assert placeholder is not None and placeholder.text == "{{endpoint_name}}"


def test_token_placeholder_is_a_located_error(load_text: Loader) -> None:
    result = load_text(connector(MODEL="<MODEL_ID>"))
    (error,) = result.errors
    assert (error.line, error.json_path) == (8, "spec.parameters.model")
    assert error.message == "fill in the blueprint placeholder <MODEL_ID> in parameters.model"


def test_choice_list_names_the_choices(load_text: Loader) -> None:
    result = load_text(connector(INPUT_TYPE="<search_document|search_query|classification>"))
    (error,) = result.errors
    assert (error.line, error.json_path) == (9, "spec.parameters.input_type")
    assert error.message == (
        "choose one of search_document, search_query, classification for the blueprint placeholder "
        "<search_document|search_query|classification> in parameters.input_type"
    )


def test_mustache_in_a_url_is_a_located_error_and_not_an_untrusted_url(load_text: Loader) -> None:
    result = load_text(connector(URL="https://{{host}}/v1/x"))
    (error,) = result.errors
    assert (error.line, error.json_path) == (14, "spec.actions[0].url")
    assert error.message.startswith("fill in the blueprint placeholder {{host}} in actions[0].url")


def test_mustache_in_a_credential_never_quotes_it(load_text: Loader) -> None:
    result = load_text(connector(CREDENTIAL="'{{access_key}}'"))
    (error,) = result.errors
    assert error.json_path == "spec.credential.key"
    assert "still holds the blueprint placeholder text" in error.message
    assert "access_key" not in error.message


def test_prompt_markup_and_mustache_in_bodies_are_not_placeholders(load_text: Loader) -> None:
    body = '{"prompt": "<s>[INST] {{question}} [/INST] <end_of_turn>", "model": "${parameters.model}"}'
    assert load_text(connector(BODY=body)).ok


def test_secret_arn_without_a_secret_arn_credential_is_still_an_error(load_text: Loader) -> None:
    text = connector().replace("${credential.key}", "${credential.secretArn.openai}")
    (error,) = load_text(text).errors
    assert error.message.startswith("${credential.secretArn.openai} is not defined in credential")
