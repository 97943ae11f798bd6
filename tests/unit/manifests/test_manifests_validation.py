"""Schema validation: one clear, located message per problem."""

from pathlib import Path

from manifest_helpers import CONNECTOR, Loader, messages

from mlgitops.manifests import SourcedDocument
from mlgitops.manifests.loading import RawDocument
from mlgitops.manifests.positions import Positions
from mlgitops.manifests.validation import _pydantic_issue


def test_valid_connector_loads_with_its_position(load_text: Loader) -> None:
    result = load_text("---\n" + CONNECTOR)
    assert result.ok, result.issues
    (doc,) = result.documents
    assert (doc.line, doc.column, doc.index) == (2, 1, 0)
    assert doc.locate("spec.actions[0].url") == (17, 7)
    assert doc.key.name == "openai"


def test_unknown_field_is_named_with_the_closest_suggestion(load_text: Loader) -> None:
    result = load_text(CONNECTOR.replace("      method: POST", "      methd: POST"))
    errors = result.errors
    assert sorted((e.line, e.column) for e in errors) == [(14, 7), (15, 7)]
    assert "unknown field 'methd' in spec.actions[0]; did you mean 'method'?" in messages(result)
    assert "missing required field 'spec.actions[0].method'" in messages(result)


def test_unknown_field_at_top_level_lists_allowed_fields(load_text: Loader) -> None:
    result = load_text(CONNECTOR + "zzz: 1\n")
    assert messages(result) == ["unknown field 'zzz' in document (allowed: apiVersion, kind, metadata, spec)"]
    assert result.errors[0].line == 20


def test_wrong_type_says_expected_and_got(load_text: Loader) -> None:
    result = load_text(CONNECTOR.replace('version: "1"', "version: [1]"))
    assert messages(result) == ["spec.version: expected string or integer or number, got list"]
    assert result.errors[0].line == 7


def test_optional_field_of_wrong_type_does_not_mention_null(load_text: Loader) -> None:
    result = load_text(CONNECTOR.replace("  name: OpenAI", "  name: [x]"))
    assert messages(result) == ["spec.name: expected string, got list"]


def test_unknown_kind_lists_the_kinds(load_text: Loader) -> None:
    result = load_text(CONNECTOR.replace("kind: Connector", "kind: Conector"))
    assert messages(result) == [
        "unknown kind 'Conector'; did you mean 'Connector'? "
        "(kinds: ClusterSettings, ModelGroup, Connector, Model, IngestPipeline, SearchPipeline, Agent)"
    ]
    assert (result.errors[0].line, result.errors[0].column) == (2, 1)


def test_missing_envelope_fields(load_text: Loader) -> None:
    no_api = load_text(CONNECTOR.replace("apiVersion: mlgitops/v1\n", ""))
    assert messages(no_api) == ["missing required field 'apiVersion'"]
    no_kind = load_text(CONNECTOR.replace("kind: Connector\n", ""))
    assert messages(no_kind)[0].startswith("missing required field 'kind' (one of ClusterSettings")
    no_name = load_text(CONNECTOR.replace("  name: openai\n", "  labels: {}\n"))
    assert messages(no_name) == ["missing required field 'metadata.name'"]
    assert no_name.errors[0].line == 3


def test_wrong_api_version_and_bad_name(load_text: Loader) -> None:
    result = load_text(
        CONNECTOR.replace("mlgitops/v1", "mlgitops/v2").replace("name: openai", "name: Open AI")
    )
    assert "apiVersion: must be 'mlgitops/v1', got 'mlgitops/v2'" in messages(result)
    assert any(m.startswith("metadata.name 'Open AI' is not a valid name") for m in messages(result))


def test_non_mapping_document(load_text: Loader) -> None:
    result = load_text("- a\n- b\n")
    assert messages(result) == [
        "a manifest document must be a mapping with apiVersion, kind, metadata and spec, got a list"
    ]


def test_enum_lists_allowed_values(load_text: Loader) -> None:
    result = load_text(CONNECTOR.replace("protocol: http", "protocol: https"))
    assert messages(result) == ["spec.protocol: 'https' is not one of http, aws_sigv4; did you mean 'http'?"]


def test_credential_union_explains_the_object_branch_without_the_value(load_text: Loader) -> None:
    result = load_text(CONNECTOR.replace("key: {env: OPENAI_API_KEY}", "key: {envv: SUPERSECRET}"))
    assert "unknown field 'envv' in spec.credential.key; did you mean 'env'?" in messages(result)
    assert all("SUPERSECRET" not in m for m in messages(result))


def test_credential_of_wrong_type_never_shows_the_value(load_text: Loader) -> None:
    result = load_text(CONNECTOR.replace("key: {env: OPENAI_API_KEY}", "key: [s3cr3t-value]"))
    assert messages(result) == ["spec.credential.key: expected mapping or string, got list"]
    assert "s3cr3t" not in str(result.issues)


def test_all_problems_are_reported_at_once(load_text: Loader) -> None:
    broken = CONNECTOR.replace("protocol: http", "protocol: ftp").replace("method: POST", "method: [1]")
    result = load_text(broken + "---\n" + CONNECTOR.replace("kind: Connector", "kind: Nope"))
    assert len(result.errors) == 3
    assert [e.document for e in result.errors] == [0, 0, 1]


def test_duplicate_yaml_keys_are_errors(load_text: Loader) -> None:
    result = load_text(CONNECTOR.replace("  protocol: http\n", "  protocol: http\n  protocol: http\n"))
    assert messages(result) == ["duplicate key 'spec.protocol' (ML Commons rejects duplicate keys)"]
    assert result.errors[0].line == 9


def test_suggestions_ignore_case(load_text: Loader) -> None:
    result = load_text(CONNECTOR.replace("kind: Connector", "kind: connector"))
    assert messages(result)[0].startswith("unknown kind 'connector'; did you mean 'Connector'?")
    model = (
        "apiVersion: mlgitops/v1\nkind: Model\nmetadata: {name: m}\nspec:\n  function_name: remote\n"
        "  connector: openai\n  rate_limiter: {limit: 4, unit: minutes}\n"
    )
    assert messages(load_text(model))[0].endswith("; did you mean 'MINUTES'?")


def test_empty_required_collections(load_text: Loader) -> None:
    text = CONNECTOR.replace("    key: {env: OPENAI_API_KEY}\n", "").replace(
        "  credential:\n", "  credential: {}\n"
    )
    assert messages(load_text(text)) == ["spec.credential: must not be empty"]


def test_model_errors_the_schema_cannot_express_still_become_issues(load_text: Loader) -> None:
    text = CONNECTOR.replace("        Authorization: Bearer ${credential.key}\n", "        1: x\n")
    result = load_text(text)
    assert len(result.errors) == 1
    assert (
        result.errors[0].message
        == 'spec.actions[0].headers["1"]: mapping keys must be strings (quote the key)'
    )
    assert result.errors[0].line == 18


def test_manifest_set_lookups(load_text: Loader) -> None:
    result = load_text(CONNECTOR)
    (doc,) = result.documents
    assert result.get(doc.key) is doc
    assert result.get(doc.key._replace(name="other")) is None
    assert result.warnings == ()


def test_pydantic_fallback_hides_values_below_credential(tmp_path: Path) -> None:
    raw = RawDocument(tmp_path / "m.yaml", 0, {}, Positions(start=(1, 1)))
    error = {"loc": ("spec", "credential", "k"), "msg": "Value error, leaked-secret"}
    issue = _pydantic_issue(raw, error)
    assert issue.message == "spec.credential.k: invalid value"
    other = _pydantic_issue(raw, {"loc": ("spec", "x"), "msg": "bad"})
    assert (other.message, other.line) == ("spec.x: bad", 1)


def test_sourced_document_without_positions_locates_at_its_start(load_text: Loader) -> None:
    (doc,) = load_text(CONNECTOR).documents
    bare = SourcedDocument(doc.document, doc.path, 7, 3, 0)
    assert bare.locate("spec.actions[0].url") == (7, 3)


def test_errors_point_at_the_field_inside_arrays_unions_and_extra_keys(load_text: Loader) -> None:
    second = (
        "    - action_type: predict\n      method: POST\n      url: 7\n"
        "      headers: {Accept: 1}\n      bogus: x\n"
    )
    text = (
        CONNECTOR.replace("    key: {env: OPENAI_API_KEY}\n", "    key: {env: 5}\n    other: [x]\n") + second
    )
    located = {(e.json_path, e.line, e.column) for e in load_text(text).errors}
    assert located == {
        ("spec.credential.key.env", 12, 11),
        ("spec.credential.other", 13, 5),
        ("spec.actions[1].url", 23, 7),
        ("spec.actions[1].headers.Accept", 24, 17),
        ("spec.actions[1].bogus", 25, 7),
    }


def test_unquoted_text_that_yaml_reads_as_another_value_is_a_warning(load_text: Loader) -> None:
    params = "    model: gpt-4o-mini\n    region: no\n    account: 0123\n    tag: 3.10\n    api_key: 0777\n"
    params += "    temperature: 0.5\n    n: 3\n    stream: true\n    quoted: 'no'\n"
    text = CONNECTOR.replace("    model: gpt-4o-mini\n", params).replace('version: "1"', "version: 1.10")
    result = load_text(text)
    assert result.ok
    assert len(result.documents) == 1
    assert [(w.json_path, w.message) for w in result.warnings] == [
        (
            "spec.version",
            'unquoted 1.10 is read as the number 1.1 (YAML 1.1); write "1.10" if you mean the text',
        ),
        (
            "spec.parameters.region",
            'unquoted no is read as the boolean false (YAML 1.1); write "no" if you mean the text',
        ),
        (
            "spec.parameters.account",
            'unquoted 0123 is read as the integer 83 (YAML 1.1); write "0123" if you mean the text',
        ),
        (
            "spec.parameters.tag",
            'unquoted 3.10 is read as the number 3.1 (YAML 1.1); write "3.10" if you mean the text',
        ),
    ]


def test_typed_fields_take_yaml_booleans_without_a_warning(load_text: Loader) -> None:
    text = "apiVersion: mlgitops/v1\nkind: ClusterSettings\nmetadata: {name: s}\nspec:\n"
    text += "  plugins.ml_commons.only_run_on_ml_node: no\n"
    assert load_text(text).issues == ()
