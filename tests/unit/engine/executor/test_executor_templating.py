"""Parameter merging, escaping and payload/url/header templating (reference sections 2.6 and 4.1)."""

import pytest

from mlgitops.engine.executor import payload
from mlgitops.engine.executor.params import merge_parameters, prepare_request_parameters
from mlgitops.errors import EngineError


def test_request_parameters_are_stringified_and_escaped() -> None:
    prepared = prepare_request_parameters(
        {"text": 'say "hi"\n', "n": 3, "obj": {"a": [1, True]}, "arr": '["x"]', "flag": False, "none": None}
    )
    assert prepared == {
        "text": 'say \\"hi\\"\\n',
        "n": "3",
        "obj": '{"a":[1,true]}',
        "arr": '["x"]',
        "flag": "false",
        "none": "null",
    }


def test_no_escape_params_keeps_listed_values_raw() -> None:
    prepared = prepare_request_parameters({"raw": 'a "b"', "esc": 'a "b"', "no_escape_params": "raw, other"})
    assert prepared["raw"] == 'a "b"'
    assert prepared["esc"] == 'a \\"b\\"'
    from_connector = prepare_request_parameters({"raw": 'a "b"'}, {"no_escape_params": "raw"})
    assert from_connector["raw"] == 'a "b"'


def test_merge_order_request_beats_preprocess_beats_connector() -> None:
    merged = merge_parameters(
        {"model": "m", "input": "connector", "max": 10},
        {"input": "request"},
        {"input": "processed", "texts": '["a"]'},
    )
    assert merged == {"model": "m", "input": "request", "texts": '["a"]', "max": "10"}


def test_null_default_quoted_placeholder_becomes_json_null() -> None:
    body = '{"a": "${parameters.a:-null}", "b": "${parameters.b:-null}"}'
    assert payload.build_payload(body, {"b": "set"}) == '{"a": null, "b": "set"}'


def test_to_string_placeholder_inserts_the_escaped_value() -> None:
    body = '{"prompt": "${parameters.messages.toString()}"}'
    built = payload.build_payload(body, {"messages": '[{"role":"user"}]'})
    assert built == '{"prompt": "[{\\"role\\":\\"user\\"}]"}'


def test_defaults_and_recursive_parameters_follow_string_substitutor() -> None:
    body = '{"api": "${parameters.api}", "d": "${parameters.x:-fallback}"}'
    built = payload.build_payload(body, {"api": "C_${parameters.v}", "v": "2"})
    assert built == '{"api": "C_2", "d": "fallback"}'


def test_ndjson_payload_is_accepted() -> None:
    assert payload.build_payload('{"a":1}\n{"b":"${parameters.b}"}\n', {"b": "x"}) == '{"a":1}\n{"b":"x"}\n'


def test_missing_body_template_sends_http_body() -> None:
    assert payload.build_payload(None, {"http_body": "raw"}) == "raw"


def test_every_unfilled_placeholder_is_named_in_order() -> None:
    with pytest.raises(EngineError, match=r"^Some parameter placeholder not filled in payload: a, b, a$"):
        payload.validate_payload('{"x":"${parameters.a}","y":"${parameters.b}","z":"${parameters.a}"}', {})


def test_credentials_fill_headers_only_and_parameters_come_from_the_connector() -> None:
    headers = payload.build_headers(
        {
            "Authorization": "Bearer ${credential.key}",
            "X-Target": "${parameters.api}",
            "X-Rt": "${parameters.rt}",
        },
        {"key": "s3cret"},
        {"api": "Svc.Op"},
    )
    assert headers == {
        "Authorization": "Bearer s3cret",
        "X-Target": "Svc.Op",
        "X-Rt": "${parameters.rt}",
        "Content-Type": "application/json",
    }
    assert payload.build_headers({"content-type": "text/plain"}, {}, {}) == {"content-type": "text/plain"}
    body = payload.build_payload('{"k": "${credential.key}"}', {"key": "s3cret"})
    assert body == '{"k": "${credential.key}"}'


def test_url_uses_merged_parameters() -> None:
    assert payload.build_url("https://${parameters.host}/v1?x=${parameters.q}", {"host": "h", "q": "1"}) == (
        "https://h/v1?x=1"
    )
