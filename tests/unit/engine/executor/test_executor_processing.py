"""Built-in pre/post-process functions, response_filter (JsonPath subset), Java formatting, client_config."""

import json

import pytest

from mlgitops.engine.executor import javafmt, postprocess, preprocess, remote
from mlgitops.engine.executor.jsonpath import PathNotFoundError, read_path
from mlgitops.errors import EngineError
from mlgitops.model import mlcommons

PRE = "connector.pre_process."
POST = "connector.post_process."


def test_builtin_tables_match_the_2_19_sets() -> None:
    assert set(preprocess.BUILTINS) == mlcommons.BUILTIN_PRE_PROCESS_FUNCTIONS
    assert set(postprocess.BUILTINS) == mlcommons.BUILTIN_POST_PROCESS_FUNCTIONS


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("openai.embedding", [{"input": '["a","b"]'}]),
        ("default.embedding", [{"input": '["a","b"]'}]),
        ("cohere.embedding", [{"texts": '["a","b"]'}]),
        ("bedrock.embedding", [{"inputText": "a"}, {"inputText": "b"}]),
        ("bedrock.multimodal_embedding", [{"inputText": "a", "inputImage": "b"}]),
        ("cohere.multimodal_embedding", [{"images": '["a","b"]'}]),
        ("cohere.rerank", [{"query": "q", "documents": '["a","b"]', "top_n": "2"}]),
        ("default.rerank", [{"query": "q", "documents": '["a","b"]', "top_n": "2"}]),
    ],
)
def test_builtin_pre_process_outputs(name: str, expected: list[dict[str, str]]) -> None:
    assert preprocess.preprocess_text_docs(PRE + name, ["a", "b"], "q", {}) == expected


def test_bedrock_rerank_pre_process() -> None:
    [params] = preprocess.preprocess_text_docs(PRE + "bedrock.rerank", ["d"], "q", {})
    assert json.loads(params["queries"]) == [{"textQuery": {"text": "q"}, "type": "TEXT"}]
    assert json.loads(params["sources"]) == [
        {"inlineDocumentSource": {"textDocument": {"text": "d"}, "type": "TEXT"}, "type": "INLINE"}
    ]
    assert params["numberOfResults"] == "1"


def test_text_docs_default_to_default_embedding_and_step_size_overrides() -> None:
    assert preprocess.preprocess_text_docs(None, ["a"], None, {}) == [{"input": '["a"]'}]
    chunks = preprocess.preprocess_text_docs(
        PRE + "openai.embedding", ["a", "b", "c"], None, {"input_docs_processed_step_size": "2"}
    )
    assert chunks == [{"input": '["a","b"]'}, {"input": '["c"]'}]
    with pytest.raises(EngineError, match="It must be positive integer"):
        preprocess.preprocess_text_docs(None, ["a"], None, {"input_docs_processed_step_size": "0"})


def test_multimodal_without_docs_is_refused() -> None:
    with pytest.raises(EngineError, match=r"^No input text or image provided$"):
        preprocess.preprocess_text_docs(PRE + "bedrock.multimodal_embedding", [], None, {})


def test_parameters_input_passes_builtins_and_runs_scripts_only_when_asked() -> None:
    script = 'return \'{"parameters":{"prompt":"\' + params.parameters.q + \'!","n":2}}\''
    assert preprocess.preprocess_parameters(PRE + "openai.embedding", {"q": "x"}, {}) == {}
    assert preprocess.preprocess_parameters(script, {"q": "x"}, {}) == {}
    ask = {"pre_process_function.process_remote_inference_input": "true"}
    assert preprocess.preprocess_parameters(script, {"q": "x"}, ask) == {"prompt": "x!", "n": "2"}


def test_painless_pre_process_output_must_be_json() -> None:
    with pytest.raises(EngineError, match=r"^Pre-process function output is not JSON: nope"):
        preprocess.preprocess_text_docs("return 'nope';", ["a"], None, {})


def test_openai_embedding_post_process_rounds_to_float32() -> None:
    response = json.dumps({"data": [{"embedding": [0.1, 0.123456789]}, {"embedding": [1, 2]}]})
    assert postprocess.postprocess(POST + "openai.embedding", response, {}) == [
        {"name": "sentence_embedding", "data_type": "FLOAT32", "shape": [2], "data": [0.1, 0.12345679]},
        {"name": "sentence_embedding", "data_type": "FLOAT32", "shape": [2], "data": [1.0, 2.0]},
    ]


def test_response_filter_overrides_the_builtin_path_and_names_the_data_type() -> None:
    response = json.dumps({"embeddings": {"int8": [[1, -2]]}})
    tensors = postprocess.postprocess(
        POST + "cohere.embedding", response, {"response_filter": "$.embeddings.int8.INT8"}
    )
    assert tensors == [{"name": "sentence_embedding", "data_type": "INT8", "shape": [2], "data": [1, -2]}]


@pytest.mark.parametrize(
    ("name", "response", "message"),
    [
        (
            "cohere.embedding",
            {"embeddings": {"float": [[1]]}},
            r"^Post process function input is not a List.$",
        ),
        (
            "bedrock.embedding",
            {"embedding": []},
            "^The embedding should be a non-empty List containing Float",
        ),
        (
            "cohere.rerank",
            {"results": [{"index": 0}]},
            "^The rerank result should contain index and relevance",
        ),
    ],
)
def test_post_process_validation_errors(name: str, response: object, message: str) -> None:
    with pytest.raises(EngineError, match=message):
        postprocess.postprocess(POST + name, json.dumps(response), {})


def test_rerank_post_process_orders_by_document_index() -> None:
    response = json.dumps(
        {"results": [{"index": 1, "relevanceScore": 0.9}, {"index": 0, "relevanceScore": 0.25}]}
    )
    tensors = postprocess.postprocess(POST + "bedrock.rerank", response, {})
    assert [t["data"] for t in tensors] == [[0.25], [0.9]]
    assert tensors[0] == {"name": "similarity", "data_type": "FLOAT32", "shape": [1], "data": [0.25]}


def test_batch_job_arn_post_process() -> None:
    response = json.dumps({"jobArn": "arn:aws:bedrock:us-east-1:1:model-invocation-job/abc"})
    [tensor] = postprocess.postprocess(POST + "bedrock.batch_job_arn", response, {})
    assert tensor["dataAsMap"]["processedJobArn"] == "arn:aws:bedrock:us-east-1:1:model-invocation-job%2Fabc"


@pytest.mark.parametrize(
    ("response", "params", "expected"),
    [
        ('{"a": 1}', {}, {"a": 1}),
        ("[1, 2]", {}, {"response": [1, 2]}),
        ("not json", {}, {"response": "not json"}),
        ('{"a": {"b": [5]}}', {"response_filter": "$.a.b[0]"}, {"response": 5}),
        ('{"a": {"b": {"c": 1}}}', {"response_filter": "$.a.b"}, {"c": 1}),
        ('{"a": 1}', {"response_filter": "$.missing"}, {"a": 1}),
    ],
)
def test_no_post_process_wraps_the_response(response: str, params: dict[str, str], expected: object) -> None:
    assert postprocess.postprocess(None, response, params) == [{"name": "response", "dataAsMap": expected}]


def test_painless_post_process_may_return_tensors_or_plain_text() -> None:
    many = 'return \'[{"name":"a","result":"\' + params.result[0] + \'"},{"name":"b"}]\''
    assert postprocess.postprocess(many, '["x"]', {}) == [{"name": "a", "result": "x"}, {"name": "b"}]
    assert postprocess.postprocess("return 'plain';", "{}", {}) == [
        {"name": "response", "dataAsMap": {"response": "plain"}}
    ]


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("$", {"a": [{"b": 1}, {"b": 2}, {"c": 3}], "k": {"x": 1, "y": 2}}),
        ("$.a[0].b", 1),
        ("$.a[-1].c", 3),
        ("$.a[*].b", [1, 2]),
        ("$['k']['y']", 2),
        ("$.k.*", [1, 2]),
        ("$.a[*].missing", []),
    ],
)
def test_jsonpath_subset(path: str, expected: object) -> None:
    document = {"a": [{"b": 1}, {"b": 2}, {"c": 3}], "k": {"x": 1, "y": 2}}
    assert read_path(document, path) == expected


def test_jsonpath_missing_definite_path_and_unsupported_syntax() -> None:
    with pytest.raises(PathNotFoundError):
        read_path({"a": 1}, "$.b")
    with pytest.raises(EngineError, match="Unsupported JsonPath syntax at position 1"):
        read_path({}, "$..deep")


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (1.0, "1.0"),
        (0.001, "0.001"),
        (0.0001, "1.0E-4"),
        (1e7, "1.0E7"),
        (-1.5e-10, "-1.5E-10"),
        (123.25, "123.25"),
    ],
)
def test_java_double_to_string(value: float, text: str) -> None:
    assert javafmt.java_double(value) == text


def test_client_config_defaults_and_backoff() -> None:
    default = remote.ClientConfig.from_connector(None)
    assert (default.connection_timeout, default.read_timeout, default.max_retry_times) == (
        30000.0,
        30000.0,
        0,
    )
    config = remote.ClientConfig.from_connector(
        {"retry_backoff_millis": 100, "retry_backoff_policy": "Constant"}
    )
    assert config.backoff_seconds(5) == 0.1
    full = remote.ClientConfig.from_connector(
        {"retry_backoff_millis": 100, "retry_backoff_policy": "exponential_full_jitter"}
    )
    assert all(0 <= full.backoff_seconds(3) <= 0.8 for _ in range(20))
    equal = remote.ClientConfig.from_connector(
        {"retry_backoff_millis": 100, "retry_backoff_policy": "exponential_equal_jitter"}
    )
    assert all(0.4 <= equal.backoff_seconds(3) <= 0.8 for _ in range(20))


def test_invalid_client_config_is_a_clear_error() -> None:
    with pytest.raises(EngineError, match=r"^Invalid client_config: "):
        remote.ClientConfig.from_connector({"read_timeout": "soon"})


def test_redactor_replaces_longest_secrets_first() -> None:
    redact = remote.build_redactor(["abc", "abcdef", ""])
    assert redact("x abcdef y abc") == "x *** y ***"
