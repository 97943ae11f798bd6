"""ClusterSettings: every dynamic ML Commons 2.19.1 setting, typed, written flat or as the docs' body."""

from typing import Any

import pytest
from manifest_helpers import Loader

from mlgitops.manifests import ManifestSet
from mlgitops.model import mlsettings
from mlgitops.model.resources import Kind
from mlgitops.plan.desired import build_desired
from mlgitops.plan.planning import build_plan
from mlgitops.plan.state import ActualState

HEAD = "apiVersion: mlgitops/v1\nkind: ClusterSettings\nmetadata: {name: NAME}\nspec:\n"
SAMPLES = {
    mlsettings.ValueType.BOOL: "true",
    mlsettings.ValueType.STRING: "round_robin",
    mlsettings.ValueType.LIST: "[data]",
    mlsettings.ValueType.BYTES: "10gb",
}


def settings(body: str, name: str = "ml") -> str:
    return HEAD.replace("NAME", name) + body


def errors(result: ManifestSet) -> list[str]:
    return [f"{issue.line}:{issue.json_path}: {issue.message}" for issue in result.errors]


def desired_body(result: ManifestSet) -> Any:
    (doc,) = result.of_kind(Kind.CLUSTER_SETTINGS)
    (resource,) = build_desired([doc.document])
    return resource.body


@pytest.mark.parametrize("setting", mlsettings.DYNAMIC, ids=lambda s: s.short)
def test_every_dynamic_setting_is_accepted_flat_and_nested(load_text: Loader, setting: Any) -> None:
    numeric = setting.type in (mlsettings.ValueType.INT, mlsettings.ValueType.FLOAT)
    value = str(setting.default) if numeric else SAMPLES[setting.type]
    flat = load_text(settings(f"  {setting.name}: {value}\n"))
    assert flat.ok, errors(flat)
    *parents, leaf = setting.name.split(".")
    nested = "  persistent:\n" + "".join(f"{'  ' * (i + 2)}{part}:\n" for i, part in enumerate(parents))
    nested += f"{'  ' * (len(parents) + 2)}{leaf}: {value}\n"
    as_body = load_text(settings(nested))
    assert as_body.ok, errors(as_body)
    assert (
        desired_body(flat)
        == desired_body(as_body)
        == {"persistent": {setting.name: desired_body(flat)["persistent"][setting.name]}}
    )


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("plugins.ml_commons.agent_framework_enabled: false", None),
        ("plugins.ml_commons.memory_feature_enabled: false", None),
        ("plugins.ml_commons.model_auto_redeploy_success_ratio: 0.5", None),
        ("plugins.ml_commons.disk_free_space_threshold: 5gb", None),
        (
            "plugins.ml_commons.master_key_cache_ttl_minutes: 5",
            "is not a dynamic setting of ML Commons 2.19.1",
        ),
        ("plugins.ml_commons.multi_tenancy_enabled: true", "is a static setting: ML Commons refuses it"),
        ("plugins.ml_commons.remote_metadata_type: aos", "is a final setting: ML Commons refuses it"),
        ("plugins.ml_commons.max_register_model_tasks_per_node: 11", "must be <= 10"),
        ("plugins.ml_commons.batch_ingestion_bulk_size: 5", "must be >= 100"),
        ("plugins.ml_commons.model_auto_redeploy_success_ratio: 2", "must be <= 1.0"),
        ("plugins.ml_commons.disk_free_space_threshold: 12", "disk_free_space_threshold"),
        ("plugins.ml_commons.agent_framework_enabled: yes please", "boolean"),
    ],
)
def test_values_are_typed_and_unknown_or_static_settings_refused(
    load_text: Loader, line: str, expected: str | None
) -> None:
    result = load_text(settings(f"  {line}\n"))
    if expected is None:
        assert result.ok, errors(result)
        return
    (error,) = errors(result)
    assert error.startswith("5:") and expected in error


NESTED = """\
  persistent:
    plugins:
      ml_commons:
        only_run_on_ml_node: false
        connector.private_ip_enabled: true
  transient:
    plugins.ml_commons:
      task_dispatcher: {eligible_node_role: {remote_model: [ml]}}
"""
FLAT_PERSISTENT = """\
  scope: persistent
  plugins.ml_commons.connector.private_ip_enabled: true
  plugins.ml_commons.only_run_on_ml_node: false
"""
FLAT_TRANSIENT = """\
  scope: transient
  plugins.ml_commons.task_dispatcher.eligible_node_role.remote_model: [ml]
"""


def test_the_docs_body_and_the_flat_form_plan_the_same_change(load_text: Loader) -> None:
    nested = load_text(settings(NESTED))
    flat = load_text(settings(FLAT_PERSISTENT) + "---\n" + settings(FLAT_TRANSIENT, "ml-t"))
    assert nested.ok and flat.ok, errors(nested) + errors(flat)
    merged: dict[str, Any] = {}
    for doc in flat.of_kind(Kind.CLUSTER_SETTINGS):
        (resource,) = build_desired([doc.document])
        merged.update(resource.body)
    assert desired_body(nested) == merged
    nested_plan = build_plan(build_desired([d.document for d in nested.documents]), ActualState(resources={}))
    flat_plan = build_plan(build_desired([d.document for d in flat.documents]), ActualState(resources={}))
    (action,) = nested_plan.actions
    assert dict(action.body or {}) == merged
    assert [c for a in nested_plan.actions for c in a.changes] == [
        c for a in flat_plan.actions for c in a.changes
    ]


def test_mixed_forms_and_twice_set_keys_are_errors(load_text: Loader) -> None:
    mixed = load_text(
        settings("  scope: transient\n  persistent: {plugins.ml_commons.safe_delete_model: true}\n")
    )
    assert (
        "use either scope with plugins.ml_commons.* keys, or persistent:/transient: maps" in errors(mixed)[0]
    )
    twice = (
        "  persistent:\n    plugins.ml_commons.safe_delete_model: true\n"
        "    plugins: {ml_commons: {safe_delete_model: false}}\n"
    )
    assert (
        "plugins.ml_commons.safe_delete_model is set twice in this scope"
        in errors(load_text(settings(twice)))[0]
    )


def test_unknown_nested_key_is_located_where_it_is_written(load_text: Loader) -> None:
    body = "  persistent:\n    plugins:\n      ml_commons:\n        agent_framework_enabld: true\n"
    (error,) = errors(load_text(settings(body)))
    assert error.startswith("8:spec.persistent.plugins.ml_commons")
    assert "agent_framework_enabled" in error  # the suggestion


def test_nested_settings_drive_the_connector_checks(load_text: Loader) -> None:
    regex = (
        "  persistent:\n    plugins:\n      ml_commons:\n"
        "        trusted_connector_endpoints_regex: ['^(bad$']\n"
    )
    (error,) = errors(load_text(settings(regex)))
    assert error.startswith(
        "8:spec.persistent.plugins.ml_commons.trusted_connector_endpoints_regex[0]: invalid regex"
    )
    off = "  transient: {plugins.ml_commons.remote_inference.enabled: false}\n"
    connector = (
        "---\napiVersion: mlgitops/v1\nkind: Connector\nmetadata: {name: c}\nspec:\n  version: 1\n"
        "  protocol: http\n  credential: {k: {env: K}}\n"
        "  actions: [{action_type: predict, method: POST, url: 'https://api.openai.com/v1/x'}]\n"
    )
    (error,) = errors(load_text(settings(off) + connector))
    assert error.startswith('5:spec.transient["plugins.ml_commons.remote_inference.enabled"]:')


def test_a_second_document_for_a_scope_points_at_the_scope_map(load_text: Loader) -> None:
    first = settings("  persistent: {plugins.ml_commons.safe_delete_model: true}\n", "a")
    second = settings("  persistent: {plugins.ml_commons.controller_enabled: true}\n", "b")
    (error,) = errors(load_text(first + "---\n" + second))
    assert ":spec.persistent: a second persistent ClusterSettings (first is ClusterSettings/a" in error


def test_a_key_in_both_scopes_is_a_warning(load_text: Loader) -> None:
    both = (
        "  persistent: {plugins.ml_commons.safe_delete_model: true}\n"
        "  transient: {plugins.ml_commons.safe_delete_model: false}\n"
    )
    result = load_text(settings(both))
    assert result.ok
    assert "set both persistent and transient" in result.warnings[0].message


def test_an_unknown_key_beside_scope_gets_the_ordinary_suggestion(load_text: Loader) -> None:
    (error,) = errors(load_text(settings("  scop: transient\n")))
    assert error == "5:spec.scop: unknown field 'scop' in spec; did you mean 'scope'?"


def test_the_flat_form_also_takes_nested_keys(load_text: Loader) -> None:
    result = load_text(settings("  scope: transient\n  plugins: {ml_commons: {safe_delete_model: true}}\n"))
    assert desired_body(result) == {"transient": {"plugins.ml_commons.safe_delete_model": True}}
