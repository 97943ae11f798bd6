"""DesiredResources from validated documents: bodies, references, digests."""

# mypy: allow-untyped-defs, allow-untyped-calls

from typing import Any

from pydantic import SecretStr, TypeAdapter

from mlgitops.model.resources import Document, Kind, ResourceKey
from mlgitops.plan.desired import build_desired, build_digest

SECRET = "sk-very-secret-value"


def doc(kind: str, name: str, spec: dict[str, Any], **metadata: Any) -> Any:
    data = {"apiVersion": "mlgitops/v1", "kind": kind, "metadata": {"name": name, **metadata}, "spec": spec}
    return TypeAdapter(Document).validate_python(data)


CONNECTOR_SPEC = {
    "version": 1,
    "protocol": "http",
    "parameters": {"endpoint": "api.openai.com"},
    "credential": {"key": {"env": "OPENAI_API_KEY"}},
    "actions": [{"action_type": "predict", "method": "POST", "url": "https://x/v1"}],
}


def test_connector_body_defaults_name_and_has_no_credential():
    key = ResourceKey(Kind.CONNECTOR, "conn")
    (built,) = build_desired(
        [doc("Connector", "conn", CONNECTOR_SPEC, protected=True)],
        credentials={key: {"key": SecretStr(SECRET)}},
        digest_key=b"k",
        sources={key: "a.yaml:3"},
    )
    assert built.body["name"] == "conn" and "credential" not in built.body
    assert built.secret_digests == {"key": build_digest(b"k", SecretStr(SECRET))}
    assert SECRET not in repr(built)
    assert built.protected and built.source == "a.yaml:3"


def test_digest_depends_on_key_and_value():
    value = SecretStr(SECRET)
    assert build_digest(b"a", value) != build_digest(b"b", value)
    assert build_digest(b"a", value) != build_digest(b"a", SecretStr("other"))
    assert build_digest(b"a", value).startswith("hmac-sha256:")


def test_digest_is_standard_hmac_sha256() -> None:
    """Records keep digests across versions: RFC 4231 test case 2 pins the algorithm and encoding."""
    digest = build_digest(b"Jefe", SecretStr("what do ya want for nothing?"))
    assert digest == "hmac-sha256:5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"


def test_model_references_and_dependencies():
    spec = {
        "function_name": "remote",
        "model_group": "g",
        "connector": "c",
        "deployed": False,
        "model_config": {"embedding_dimension": 3},
    }
    (built,) = build_desired([doc("Model", "m", spec)])
    assert built.body == {
        "name": "m",
        "function_name": "remote",
        "model_group": "g",
        "connector": "c",
        "model_config": {"embedding_dimension": 3},
    }
    assert built.deployed is False
    assert built.depends_on == (ResourceKey(Kind.MODEL_GROUP, "g"), ResourceKey(Kind.CONNECTOR, "c"))


def test_inline_connector_and_group_and_settings():
    inline = {k: v for k, v in CONNECTOR_SPEC.items() if k != "version"}
    model, group, settings = build_desired(
        [
            doc("Model", "m", {"function_name": "remote", "inline_connector": inline}),
            doc("ModelGroup", "g", {"description": "d"}),
            doc("ClusterSettings", "s", {"plugins.ml_commons.only_run_on_ml_node": False}),
        ]
    )
    assert model.body["connector"]["version"] == "1" and "name" not in model.body["connector"]
    assert "credential" not in model.body["connector"] and model.depends_on == ()
    assert group.body == {"name": "g", "description": "d"}
    assert settings.body == {"persistent": {"plugins.ml_commons.only_run_on_ml_node": False}}
