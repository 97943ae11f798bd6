"""Literal credential values never appear in a model's repr or str."""

from mlgitops.model.resources import ConnectorSpec, InlineConnectorSpec


def test_literal_credentials_are_masked_in_repr_and_str() -> None:
    body = {
        "version": 1,
        "protocol": "http",
        "credential": {"a": "TOP-SECRET", "b": {"env": "B"}},
        "actions": [{"action_type": "predict", "method": "POST", "url": "https://x"}],
    }
    for spec in (ConnectorSpec.model_validate(body), InlineConnectorSpec.model_validate(body)):
        assert "TOP-SECRET" not in repr(spec)
        assert "TOP-SECRET" not in str(spec)
        assert "EnvRef(env='B')" in repr(spec)
        assert spec.credential["a"] == "TOP-SECRET"
