"""Semantic checks of connector bodies (ML Commons 2.19 rules)."""

import pytest
from manifest_helpers import CONNECTOR, Loader, messages

SIGV4 = """\
apiVersion: mlgitops/v1
kind: Connector
metadata:
  name: titan
spec:
  name: Titan
  version: 1
  protocol: aws_sigv4
  parameters:
    region: us-east-1
    service_name: bedrock
  credential:
    access_key: {env: AWS_ACCESS_KEY_ID}
    secret_key: {env: AWS_SECRET_ACCESS_KEY}
  actions:
    - action_type: predict
      method: POST
      url: https://bedrock-runtime.${parameters.region}.amazonaws.com/model/titan/invoke
      request_body: '{"inputText": "${parameters.inputText}"}'
      pre_process_function: connector.pre_process.bedrock.embedding
      post_process_function: connector.post_process.bedrock.embedding
"""


def settings(regexes: list[str], scope: str = "persistent", name: str = "ml") -> str:
    items = "".join(f"    - '{r}'\n" for r in regexes)
    return (
        f"apiVersion: mlgitops/v1\nkind: ClusterSettings\nmetadata:\n  name: {name}\nspec:\n"
        f"  scope: {scope}\n  plugins.ml_commons.trusted_connector_endpoints_regex:\n{items}"
    )


def test_plaintext_credentials_are_errors_unless_allowed(load_text: Loader) -> None:
    text = CONNECTOR.replace("key: {env: OPENAI_API_KEY}", "key: sk-THE-SECRET")
    result = load_text(text)
    assert messages(result) == [
        "credential 'key' is a literal value: use {env: NAME} or {file: path} so no secret lives in git"
    ]
    assert (result.errors[0].line, result.errors[0].column) == (12, 5)
    assert "sk-THE-SECRET" not in repr(result)
    assert load_text(text, allow_plaintext_credentials=True).ok


def test_parameter_without_default_is_a_warning(load_text: Loader) -> None:
    result = load_text(CONNECTOR.replace("${parameters.model}", "${parameters.messages}"))
    assert result.ok
    assert messages(result, "warning") == [
        "${parameters.messages} has no connector parameter and no ':-' default; "
        "the predict request must supply it"
    ]
    assert result.warnings[0].json_path == "spec.actions[0].request_body"


@pytest.mark.parametrize(
    "template",
    [
        "${parameters.messages:-[]}",
        "${parameters.model}",
        "$${parameters.messages}",
        "${parameters.model.toString()}",
    ],
)
def test_parameters_with_defaults_or_escapes_are_fine(load_text: Loader, template: str) -> None:
    result = load_text(CONNECTOR.replace("${parameters.model}", template))
    assert result.issues == ()


def test_builtin_pre_process_supplies_its_parameters(load_text: Loader) -> None:
    result = load_text(SIGV4)
    assert result.issues == ()


def test_painless_pre_process_may_supply_any_parameter(load_text: Loader) -> None:
    text = SIGV4.replace("connector.pre_process.bedrock.embedding", "return params.text_docs[0];")
    assert load_text(text.replace("inputText}", "whatever}")).issues == ()


def test_credential_placeholders_must_be_defined_and_only_in_headers(load_text: Loader) -> None:
    text = CONNECTOR.replace("Bearer ${credential.key}", "Bearer ${credential.kye}")
    text = text.replace('"${parameters.model}"', '"${credential.key}"')
    text = text.replace("model: gpt-4o-mini", "model: x${credential.key}")
    result = load_text(text)
    assert messages(result) == [
        "${credential.key} is never filled here: ML Commons substitutes credentials only in headers",
        "${credential.kye} is not defined in credential (did you mean 'key'? defined: key)",
        "${credential.key} is never filled here: ML Commons substitutes credentials only in headers",
    ]
    assert [e.json_path for e in result.errors] == [
        "spec.parameters.model",
        "spec.actions[0].headers.Authorization",
        "spec.actions[0].request_body",
    ]


def test_url_must_match_the_default_trusted_list(load_text: Loader) -> None:
    result = load_text(CONNECTOR.replace("https://api.openai.com", "https://api.openai.com.evil.io"))
    (error,) = result.errors
    assert error.message.startswith(
        "connector URL 'https://api.openai.com.evil.io/v1/chat/completions' matches no "
        "trusted_connector_endpoints_regex of the ML Commons 2.19 defaults (no ClusterSettings manifest "
        "sets plugins.ml_commons.trusted_connector_endpoints_regex)"
    )
    assert error.message.endswith("Connector URL is not matching the trusted connector endpoint regex")
    assert (error.line, error.column) == (16, 7)


def test_url_placeholders_are_filled_from_connector_parameters(load_text: Loader) -> None:
    assert load_text(SIGV4).ok
    result = load_text(SIGV4.replace("region: us-east-1", "region: (us-east-1)"))
    assert "'https://bedrock-runtime.(us-east-1).amazonaws.com/model/titan/invoke'" in messages(result)[0]
    unresolved = load_text(SIGV4.replace("bedrock-runtime.${parameters.region}", "${parameters.host}"))
    assert "a placeholder is left: only connector parameters are substituted" in messages(unresolved)[0]


def test_blueprint_placeholder_in_a_url_parameter_names_the_parameter(load_text: Loader) -> None:
    result = load_text(SIGV4.replace("region: us-east-1", "region: <PLEASE ADD YOUR AWS REGION HERE>"))
    assert [(i.json_path, i.message) for i in result.errors] == [
        (
            "spec.parameters.region",
            "fill in the blueprint placeholder <PLEASE ADD YOUR AWS REGION HERE> in parameters.region",
        )
    ]


def test_blueprint_placeholder_written_in_the_url_is_located_there(load_text: Loader) -> None:
    result = load_text(SIGV4.replace("bedrock-runtime.${parameters.region}", "<YOUR HOST>"))
    assert [(i.json_path, i.message) for i in result.errors] == [
        ("spec.actions[0].url", "fill in the blueprint placeholder <YOUR HOST> in actions[0].url")
    ]


def test_untrusted_url_names_the_cluster_settings_that_set_the_list(load_text: Loader) -> None:
    result = load_text(settings([r"^https://api\.cohere\.ai/.*$"]) + "---\n" + CONNECTOR)
    (error,) = result.errors
    assert "matches no trusted_connector_endpoints_regex of ClusterSettings/" in error.message
    assert "m.yaml:" in error.message
    assert "spec.plugins.ml_commons.trusted_connector_endpoints_regex" in error.message


def test_cluster_settings_replace_the_trusted_list(load_text: Loader) -> None:
    local = CONNECTOR.replace("https://api.openai.com", "http://127.0.0.1:8765")
    assert not load_text(local).ok
    result = load_text(settings([r"^http://127\.0\.0\.1:8765/.*$"]) + "---\n" + local)
    assert result.ok, result.issues
    only_local = load_text(settings([r"^http://127\.0\.0\.1:8765/.*$"]) + "---\n" + CONNECTOR)
    assert "of ClusterSettings/ml" in messages(only_local)[0]


def test_transient_trusted_list_wins_over_persistent(load_text: Loader) -> None:
    docs = [settings(["^nothing$"], "transient", "t"), settings([".*"], "persistent", "p"), CONNECTOR]
    result = load_text("---\n".join(docs))
    assert "of ClusterSettings/t" in messages(result)[0]


def test_invalid_regex_is_located(load_text: Loader) -> None:
    result = load_text(settings(["^https://(unclosed$", ".*"]) + "---\n" + CONNECTOR)
    (error,) = result.errors
    assert error.message.startswith("invalid regex '^https://(unclosed$': ")
    assert (error.line, error.column) == (8, 7)


def test_sigv4_needs_keys_region_and_service(load_text: Loader) -> None:
    text = SIGV4.replace("    secret_key: {env: AWS_SECRET_ACCESS_KEY}\n", "")
    text = text.replace("    service_name: bedrock\n", "")
    result = load_text(text)
    assert messages(result) == [
        "aws_sigv4 connector needs parameters.service_name (ML Commons: Missing service name)",
        "aws_sigv4 connector needs credential secret_key (ML Commons: Missing credential)",
    ]
    in_credential = SIGV4.replace("    service_name: bedrock\n", "").replace(
        "  actions:", "    service_name: {env: SERVICE}\n  actions:"
    )
    assert load_text(in_credential).ok


def test_unknown_builtin_functions_suggest_the_closest(load_text: Loader) -> None:
    text = SIGV4.replace("connector.pre_process.bedrock.embedding", "connector.pre_process.bedrock.embeding")
    text = text.replace(
        "connector.post_process.bedrock.embedding", "connector.post_process.cohere_v2.embedding.float"
    )
    result = load_text(text)
    assert messages(result) == [
        "unknown built-in pre_process_function 'connector.pre_process.bedrock.embeding' for ML Commons 2.19; "
        "did you mean 'connector.pre_process.bedrock.embedding'?",
    ]
    (later,) = [w.message for w in result.warnings if "cohere_v2" in w.message]
    assert later.startswith(
        "post_process_function 'connector.post_process.cohere_v2.embedding.float' is a built-in of "
        "ML Commons 3.0+: 2.19 creates the connector, but every predict fails there"
    )
    templated = SIGV4.replace(
        "connector.pre_process.bedrock.embedding", "connector.pre_process.${parameters.f}"
    )
    assert load_text(templated.replace("bedrock-runtime.${", "bedrock-runtime.${")).ok


@pytest.mark.parametrize(
    ("method", "expected"),
    [
        ("get", None),
        ("PUT", "method PUT: ML Commons 2.19 calls only POST or GET (PUT needs 3.5+)"),
        ("PATCH", "method PATCH: ML Commons calls only POST or GET"),
    ],
)
def test_methods(load_text: Loader, method: str, expected: str | None) -> None:
    result = load_text(CONNECTOR.replace("method: POST", f"method: {method}"))
    assert messages(result) == ([] if expected is None else [expected])


def test_header_names_are_unique_ignoring_case(load_text: Loader) -> None:
    text = CONNECTOR.replace(
        "      headers:\n", "      headers:\n        content-type: a\n        Content-Type: b\n"
    )
    assert messages(load_text(text)) == [
        "header 'Content-Type' is given twice (also as 'content-type'; header names ignore case)"
    ]


def test_newer_fields_are_warnings(load_text: Loader) -> None:
    text = CONNECTOR.replace(
        "      method: POST\n", "      method: POST\n      supports_structured_output: true\n"
    )
    text += "  client_config:\n    skip_ssl_verification: true\n"
    text += "    retry_backoff_policy: Exponential_Full_Jitter\n"
    result = load_text(text)
    assert result.ok
    assert len(result.warnings) == 2


def test_unknown_retry_policy(load_text: Loader) -> None:
    result = load_text(CONNECTOR + "  client_config:\n    retry_backoff_policy: linear\n")
    assert messages(result)[0].startswith("Unsupported retry backoff policy 'linear'")


def test_literal_secret_in_an_auth_header_is_an_error(load_text: Loader) -> None:
    text = CONNECTOR.replace("Bearer ${credential.key}", "Bearer sk-LITERAL")
    result = load_text(text)
    assert messages(result) == [
        "header 'Authorization' holds a literal value: put the secret under credential and write "
        "${credential.NAME} so no secret lives in git"
    ]
    assert "sk-LITERAL" not in str(result.issues)
    assert load_text(text, allow_plaintext_credentials=True).ok


@pytest.mark.parametrize(
    "host",
    ["127.0.0.1:8765", "localhost", "10.1.2.3", "[::1]:80", "100.64.0.1", "198.18.0.1", "[::127.0.0.1]"],
)
def test_private_hosts_warn_unless_private_ip_is_enabled(load_text: Loader, host: str) -> None:
    local = CONNECTOR.replace("https://api.openai.com", f"http://{host}")
    trusted = settings([".*"])
    result = load_text(trusted + "---\n" + local)
    assert result.ok
    assert messages(result, "warning")[0].endswith(
        "private address: ML Commons refuses it at predict unless "
        "plugins.ml_commons.connector.private_ip_enabled is true (2.15+)"
    )
    enabled = trusted + "  plugins.ml_commons.connector.private_ip_enabled: true\n"
    assert load_text(enabled + "---\n" + local).issues == ()


def test_action_name_is_a_3_5_field(load_text: Loader) -> None:
    text = CONNECTOR.replace("      method: POST\n", "      method: POST\n      name: chat\n")
    result = load_text(text)
    assert messages(result, "warning") == ["action name is ML Commons 3.5+; 2.19 ignores it"]


def test_malformed_url_is_only_a_trusted_endpoint_error(load_text: Loader) -> None:
    result = load_text(CONNECTOR.replace("https://api.openai.com/v1/chat/completions", "http://[::1/x"))
    assert len(result.errors) == 1
    assert "matches no trusted_connector_endpoints_regex" in result.errors[0].message
