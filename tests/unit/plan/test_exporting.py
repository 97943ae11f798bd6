"""build_export: target documents to manifest documents, names, references, credentials, settings."""

# mypy: allow-untyped-defs, allow-untyped-calls

import re

import yaml

from mlgitops.cli.main import main
from mlgitops.model.resources import NAME_PATTERN, Kind
from mlgitops.plan.exporting import TargetSnapshot, build_export
from mlgitops.plan.exportnames import NameBook, build_env_name, build_logical_name
from mlgitops.plan.exportyaml import render_files

SECRET = "sk-stored-value-never-exported"
ACTION = {
    "action_type": "PREDICT",
    "method": "POST",
    "url": "https://api.openai.com/v1/chat/completions",
    "headers": {"Authorization": "Bearer ${credential.openAI_key}"},
    "request_body": '{"model": "gpt"}',
}


def connector(name="OpenAI Chat", created=1, **extra):
    doc = {"name": name, "version": "1", "protocol": "http", "parameters": {"model": "gpt"},
           "actions": [ACTION], "created_time": created, "access": "public",
           "client_config": {"max_connection": 30, "read_timeout": 60000}}  # fmt: skip
    return doc | extra


def model(name, connector_id, state="DEPLOYED", **extra):
    return {"name": name, "algorithm": "REMOTE", "connector_id": connector_id, "model_group_id": "g1",
            "model_state": state, "created_time": 2} | extra  # fmt: skip


def snapshot(**documents):
    kinds = {"groups": Kind.MODEL_GROUP, "connectors": Kind.CONNECTOR, "models": Kind.MODEL,
             "ingest": Kind.INGEST_PIPELINE, "agents": Kind.AGENT}  # fmt: skip
    owned = documents.pop("owned", {})
    settings = documents.pop("settings", {})
    return TargetSnapshot(
        settings=settings, documents={kinds[k]: v for k, v in documents.items()}, owned=owned
    )


def specs(export, kind):
    return {doc["metadata"]["name"]: doc["spec"] for doc in export.documents.get(kind, [])}


def test_names_are_valid_unique_and_stable():
    assert build_logical_name("OpenAI Chat (v2)!", "connector") == "openai-chat-v2"
    assert build_logical_name("...", "connector") == "connector"
    long = build_logical_name("x" * 300, "c")
    assert len(long) == 128 and re.fullmatch(NAME_PATTERN, long)
    book = NameBook({"a"})
    assert [book.claim("a"), book.claim("a"), book.claim("b")] == ["a-2", "a-3", "b"]
    assert build_env_name("openai-chat", "openAI_key") == "OPENAI_CHAT_OPENAI_KEY"
    assert build_env_name("9lives", "k") == "X_9LIVES_K"


def test_references_become_logical_names_and_credentials_env_references():
    export = build_export(snapshot(
        groups={"g1": {"name": "Remote models", "access": "public"}},
        connectors={"c1": connector(credential={"openAI_key": SECRET})},
        models={"m1": model("chat", "c1"), "m2": model("spare", "c1", state="REGISTERED")},
        ingest={"p1": {"processors": [{"ml_inference": {"model_id": "m2"}}, {"set": {"model_id": "zz"}}]}},
        agents={"a1": {"name": "Agent!", "type": "flow", "created_time": 5, "is_hidden": False,
                       "tools": [{"type": "MLModelTool", "parameters": {"model_id": "m1"},
                                  "include_output_in_agent_response": False}]}},
    ))  # fmt: skip
    assert specs(export, Kind.MODEL_GROUP) == {"remote-models": {"name": "Remote models"}}
    conn = specs(export, Kind.CONNECTOR)["openai-chat"]
    assert conn["credential"] == {"openAI_key": {"env": "OPENAI_CHAT_OPENAI_KEY"}}
    assert conn["actions"][0]["action_type"] == "predict"
    assert conn["client_config"] == {"read_timeout": 60000}  # defaults left out
    assert "access_mode" not in conn
    models = specs(export, Kind.MODEL)
    assert models["chat"] == {"function_name": "remote", "model_group": "remote-models",
                              "connector": "openai-chat", "deployed": True}  # fmt: skip
    assert models["spare"]["deployed"] is False
    pipeline = specs(export, Kind.INGEST_PIPELINE)["p1"]
    assert pipeline["processors"] == [
        {"ml_inference": {"model_id": {"model": "spare"}}},
        {"set": {"model_id": "zz"}},
    ]
    agent = specs(export, Kind.AGENT)["agent"]
    assert agent == {"name": "Agent!", "type": "flow", "tools": [
        {"type": "MLModelTool", "parameters": {"model_id": {"model": "chat"}}}]}  # fmt: skip
    [hint] = export.credentials
    assert (hint.env, hint.key, hint.owner) == (
        "OPENAI_CHAT_OPENAI_KEY",
        "openAI_key",
        "Connector/openai-chat",
    )


def test_written_files_validate_carry_comments_and_no_secret(tmp_path, capsys):
    export = build_export(snapshot(
        connectors={"c1": connector(credential={"openAI_key": SECRET})},
        models={"m1": model("embed", "none", connector={**connector("inline"), "credential": {"k": SECRET},
                "actions": [{**ACTION, "headers": {"x-api-key": "${credential.cohere_key}"},
                             "post_process_function": "def x = 1;\nreturn x;"}]})},
        settings={"persistent": {"plugins.ml_commons.only_run_on_ml_node": "false"}},
    ))  # fmt: skip
    files = render_files(export.documents, export.credentials, "../schemas/manifest.schema.json")
    text = "".join(files.values())
    assert SECRET not in text
    assert "cohere_key: {env: EMBED_COHERE_KEY}  # set EMBED_COHERE_KEY to credential 'cohere_key'" in text
    assert "post_process_function: |-\n" in text
    assert all(
        t.startswith("# yaml-language-server: $schema=../schemas/manifest.schema.json\n")
        for t in files.values()
    )
    for name, content in files.items():
        (tmp_path / name).write_text(content)
    assert [doc["kind"] for t in files.values() for doc in yaml.safe_load_all(t)] == [
        "ClusterSettings", "Connector", "Model"]  # fmt: skip
    code = main(["validate", str(tmp_path)])
    assert code == 0, capsys.readouterr()


def test_owned_resources_and_their_names_are_left_alone():
    export = build_export(snapshot(
        connectors={"c1": connector(), "c2": connector(created=3)},
        models={"m1": model("chat", "c1")},
        owned={"c1": "openai-chat", "m1": "chat"},
    ))  # fmt: skip
    assert list(specs(export, Kind.CONNECTOR)) == ["openai-chat-2"]
    assert Kind.MODEL not in export.documents


def test_look_alikes_adoption_cannot_tell_apart_are_left_out_with_a_warning():
    export = build_export(snapshot(connectors={"new": connector(created=9), "old": connector(created=1)}))
    assert len(specs(export, Kind.CONNECTOR)) == 1
    assert export.warnings == (
        "Connector new ('OpenAI Chat') left out: old has the same name, and adoption finds resources by "
        "name; rename one of them on the target first",
    )


def test_only_non_default_dynamic_settings_are_exported_typed():
    ml = "plugins.ml_commons."
    persistent = {
        f"{ml}only_run_on_ml_node": "false",
        f"{ml}max_model_on_node": "10",
        f"{ml}max_ml_task_per_node": "20",
        "cluster.routing.x": "1",
        f"{ml}unknown": "1",
        f"{ml}agent_framework_enabled": "true",
    }
    transient = {f"{ml}max_ml_task_per_node": "30"}
    export = build_export(snapshot(settings={"persistent": persistent, "transient": transient}))
    [spec] = specs(export, Kind.CLUSTER_SETTINGS).values()
    assert spec == {
        "persistent": {"plugins.ml_commons.only_run_on_ml_node": False},
        "transient": {"plugins.ml_commons.max_ml_task_per_node": 30},
    }
    assert export.warnings == (
        "cluster setting plugins.ml_commons.unknown left out: not a known ML Commons 2.19.1 setting",
    )


def test_non_remote_models_and_bad_pipeline_ids_are_left_out_with_a_reason():
    export = build_export(snapshot(
        models={"m1": {"name": "local", "algorithm": "TEXT_EMBEDDING"}},
        ingest={"bad id!": {"processors": [{"set": {"field": "a", "value": 1}}]}},
    ))  # fmt: skip
    assert export.documents == {}
    assert len(export.warnings) == 2
    assert "TEXT_EMBEDDING" in export.warnings[0] and "'bad id!'" in export.warnings[1]
