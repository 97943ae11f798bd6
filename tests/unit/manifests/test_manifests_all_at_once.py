"""One run reports every problem: a document failing the schema does not hide the others' checks."""

from manifest_helpers import CONNECTOR, Loader

BROKEN_CONNECTOR = CONNECTOR.replace("protocol: http", "protocol: http\n  bogus: 1").replace(
    "key: {env: OPENAI_API_KEY}", "key: sk-THE-SECRET-VALUE"
)
MODEL = """\
apiVersion: mlgitops/v1
kind: Model
metadata:
  name: {name}
spec:
  function_name: remote
  model_group: g
  connector: {connector}
"""
GROUP = "apiVersion: mlgitops/v1\nkind: ModelGroup\nmetadata:\n  name: g\nspec: {}\n"


def test_broken_connector_missing_reference_and_duplicate_in_one_run(load_text: Loader) -> None:
    docs = [BROKEN_CONNECTOR, MODEL.format(name="m", connector="nope"), GROUP, GROUP]
    result = load_text("---\n".join(docs))
    found = [
        (issue.json_path, issue.message.split(" (")[0].split(":")[0].split(";")[0]) for issue in result.errors
    ]
    assert found == [
        ("spec.bogus", "unknown field 'bogus' in spec"),
        ("spec.credential.key", "credential 'key' is a literal value"),
        ("spec.connector", "no Connector named 'nope' in the manifests"),
        ("metadata.name", "duplicate ModelGroup/g"),
    ]
    assert "THE-SECRET-VALUE" not in repr(result)


def test_reference_to_a_document_that_failed_the_schema_is_not_missing(load_text: Loader) -> None:
    result = load_text("---\n".join([BROKEN_CONNECTOR, MODEL.format(name="m", connector="openai"), GROUP]))
    assert not [issue for issue in result.errors if "no Connector named" in issue.message]


def test_plaintext_flag_also_applies_to_a_connector_that_failed_the_schema(load_text: Loader) -> None:
    result = load_text(BROKEN_CONNECTOR, allow_plaintext_credentials=True)
    assert [issue.json_path for issue in result.errors] == ["spec.bogus"]


def test_inline_connector_of_a_broken_model_is_checked_for_literal_credentials(load_text: Loader) -> None:
    inline = "\n".join("    " + line for line in CONNECTOR.split("spec:\n", 1)[1].splitlines())
    text = MODEL.format(name="m", connector="x").replace(
        "  connector: x\n", "  bogus: 1\n  inline_connector:\n"
    )
    result = load_text(text + inline.replace("{env: OPENAI_API_KEY}", "sk-LITERAL") + "\n---\n" + GROUP)
    paths = [issue.json_path for issue in result.errors]
    assert "spec.inline_connector.credential.key" in paths
    assert "sk-LITERAL" not in repr(result)
