"""Semantic checks across documents: names, references, settings and access control."""

from manifest_helpers import CONNECTOR, Loader, messages

GROUP = """\
apiVersion: mlgitops/v1
kind: ModelGroup
metadata:
  name: {name}
spec:
  description: group
{extra}"""

MODEL = """\
apiVersion: mlgitops/v1
kind: Model
metadata:
  name: chat
spec:
  function_name: remote
  model_group: {group}
  connector: {connector}
"""


def settings(body: str, name: str = "ml") -> str:
    return f"apiVersion: mlgitops/v1\nkind: ClusterSettings\nmetadata:\n  name: {name}\nspec:\n{body}"


def group(name: str = "g", extra: str = "") -> str:
    return GROUP.format(name=name, extra=extra)


def test_duplicate_names_per_kind(load_text: Loader) -> None:
    result = load_text(CONNECTOR + "---\n" + CONNECTOR)
    assert len(result.errors) == 1
    assert result.errors[0].message.endswith(
        "duplicate Connector/openai (first defined at " + f"{result.errors[0].path}:4:3)"
    )
    assert result.errors[0].line == 24


def test_same_name_in_different_kinds_is_fine(load_text: Loader) -> None:
    assert load_text(CONNECTOR + "---\n" + group("openai")).ok


def test_duplicate_model_group_ml_names(load_text: Loader) -> None:
    result = load_text(group("a") + "---\n" + group("b", "  name: a\n"))
    assert messages(result) == [
        "model group name 'a' is also used by ModelGroup/a; ML Commons requires unique model group names"
    ]


def test_model_references_must_exist(load_text: Loader) -> None:
    result = load_text(CONNECTOR + "---\n" + MODEL.format(group="nope", connector="missing"))
    assert messages(result) == [
        "no ModelGroup named 'nope' in the manifests",
        "no Connector named 'missing' in the manifests",
    ]
    typo = load_text(CONNECTOR + "---\n" + MODEL.format(group="nope", connector="opeani"))
    assert "no Connector named 'opeani' in the manifests; did you mean 'openai'?" in messages(typo)
    ok = load_text(CONNECTOR + "---\n" + group("g") + "---\n" + MODEL.format(group="g", connector="openai"))
    assert ok.ok, ok.issues


def test_reference_to_an_invalid_document_is_not_reported_twice(load_text: Loader) -> None:
    broken = CONNECTOR.replace("protocol: http", "protocol: ftp")
    result = load_text(broken + "---\n" + MODEL.format(group="null", connector="openai"))
    assert len(result.errors) == 1
    assert "spec.protocol" in result.errors[0].message


def test_model_needs_exactly_one_connector(load_text: Loader) -> None:
    neither = MODEL.format(group="null", connector="null")
    assert messages(load_text(neither)) == [
        "a remote Model needs connector (a Connector's name) or inline_connector"
    ]
    inline = (
        "  inline_connector:\n    protocol: http\n    credential: {k: {env: K}}\n    actions:\n"
        "      - {action_type: predict, method: POST, url: 'https://api.openai.com/v1/x'}\n"
    )
    both = load_text(CONNECTOR + "---\n" + MODEL.format(group="null", connector="openai") + inline)
    assert messages(both) == ["a Model takes either connector (a reference) or inline_connector, not both"]
    assert load_text(neither + inline).ok


def test_inline_connector_gets_connector_checks(load_text: Loader) -> None:
    inline = (
        "  inline_connector:\n    protocol: http\n    credential: {k: literal}\n    actions:\n"
        "      - {action_type: predict, method: POST, url: 'https://evil.example.com/v1'}\n"
    )
    result = load_text(MODEL.format(group="null", connector="null") + inline)
    assert len(result.errors) == 2
    assert {e.json_path for e in result.errors} == {
        "spec.inline_connector.credential.k",
        "spec.inline_connector.actions[0].url",
    }


def test_at_most_one_cluster_settings_per_scope(load_text: Loader) -> None:
    one = settings("  plugins.ml_commons.only_run_on_ml_node: false\n", "a")
    two = settings("  plugins.ml_commons.only_run_on_ml_node: true\n", "b")
    result = load_text(one + "---\n" + two)
    assert len(result.errors) == 1
    assert result.errors[0].message.startswith(
        "a second persistent ClusterSettings (first is ClusterSettings/a"
    )
    transient = settings("  scope: transient\n  plugins.ml_commons.only_run_on_ml_node: true\n", "b")
    assert load_text(one + "---\n" + transient).ok


def test_access_fields_need_access_control(load_text: Loader) -> None:
    connector = CONNECTOR + "  access_mode: private\n  backend_roles: [ml]\n"
    result = load_text(connector + "---\n" + group("g", "  add_all_backend_roles: false\n"))
    assert len(result.errors) == 3
    connector_message = messages(result)[0]
    assert connector_message.startswith(
        "access_mode needs plugins.ml_commons.connector_access_control_enabled: true"
    )
    assert connector_message.endswith(
        "You cannot specify connector access control parameters because the Security plugin or connector "
        "access control is disabled on your cluster."
    )
    assert "model access control is disabled" in messages(result)[2]


def test_access_rules_when_access_control_is_on(load_text: Loader) -> None:
    enabled = settings(
        "  plugins.ml_commons.connector_access_control_enabled: true\n"
        "  plugins.ml_commons.model_access_control_enabled: true\n"
    )
    fine = group("a", "  backend_roles: [ml]\n")
    private_roles = group("b", "  access_mode: private\n  backend_roles: [ml]\n")
    restricted_empty = group("c", "  access_mode: restricted\n")
    roles_and_all = CONNECTOR + "  backend_roles: [ml]\n  add_all_backend_roles: true\n"
    docs = [enabled, fine, private_roles, restricted_empty, roles_and_all]
    result = load_text("---\n".join(docs))
    assert messages(result) == [
        "You can specify backend roles only for a model group with the restricted access mode.",
        "a restricted model group needs backend_roles (or add_all_backend_roles: true); "
        "otherwise make it public or private",
        "a connector cannot have backend_roles and add_all_backend_roles: true at the same time",
    ]


def test_broken_cluster_settings_turn_off_the_checks_that_depend_on_them(load_text: Loader) -> None:
    broken = settings("  plugins.ml_commons.only_run_on_ml_node: maybe\n")
    local = CONNECTOR.replace("https://api.openai.com", "http://127.0.0.1:8765") + "  access_mode: private\n"
    result = load_text(broken + "---\n" + local)
    assert len(result.errors) == 1
    assert result.errors[0].json_path == 'spec["plugins.ml_commons.only_run_on_ml_node"]'
    assert result.warnings == ()


def test_remote_inference_disabled_refuses_connectors(load_text: Loader) -> None:
    off = settings("  plugins.ml_commons.remote_inference.enabled: false\n")
    result = load_text(off + "---\n" + CONNECTOR)
    assert messages(result) == [
        "plugins.ml_commons.remote_inference.enabled is false but the manifests define "
        "1 connector(s)/model(s): ML Commons refuses them (Remote Inference is currently disabled)"
    ]
    assert result.errors[0].line == 6
    assert load_text(off).ok


def test_inline_connector_needs_a_predict_action_but_no_credential(load_text: Loader) -> None:
    model = MODEL.format(group="null", connector="null")
    inline = "  inline_connector:\n    protocol: http\n    actions:\n      - action_type: {}\n"
    inline += "        method: POST\n        url: https://api.openai.com/v1/embeddings\n"
    assert load_text(model + inline.format("PREDICT")).ok
    result = load_text(model + inline.format("execute"))
    assert messages(result) == [
        "an inline connector needs a predict action; ML Commons: Connector endpoint is required when "
        "creating a remote model without connector id!"
    ]
    assert result.errors[0].json_path == "spec.inline_connector.actions"
