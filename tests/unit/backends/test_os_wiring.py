"""cli.wiring: target strings to backends."""

import pytest

from mlgitops.backends.base import Backend
from mlgitops.cli import wiring
from mlgitops.errors import ConfigError


def test_local_target_opens_the_embedded_engine(tmp_path):
    with wiring.open_backend(f"local:{tmp_path / 'e'}") as backend:
        assert isinstance(backend, Backend)
        assert backend.client.info()["version"]["number"].startswith("2.19")
    assert (tmp_path / "e").is_dir()


@pytest.mark.parametrize("target", ["opensearch.example.com", "local:", "s3://bucket"])
def test_unknown_targets_explain_the_two_forms(target):
    with pytest.raises(ConfigError, match="local:DIR"), wiring.open_backend(target):
        pass


def test_http_target_builds_a_client_without_connecting():
    with wiring.open_backend("http://127.0.0.1:9") as backend:
        assert isinstance(backend, Backend)


def test_resolve_target_order(tmp_path):
    config = tmp_path / "mlgitops.yaml"
    config.write_text("environments:\n  prod: {target: 'https://search:9200'}\n  dev: {}\n")
    assert wiring.resolve_target("local:x", config=config, env="prod") == "local:x"
    assert wiring.resolve_target(None, config=config, env="prod") == "https://search:9200"
    assert wiring.resolve_target(None, config=config, env="dev") == wiring.DEFAULT_TARGET
    assert wiring.resolve_target(None) == wiring.DEFAULT_TARGET
    with pytest.raises(ConfigError, match="unknown environment 'qa'"):
        wiring.resolve_target(None, config=config, env="qa")


def test_an_environment_local_target_is_relative_to_its_project_file(tmp_path):
    config = tmp_path / "p" / "mlgitops.yaml"
    config.parent.mkdir()
    config.write_text(
        f"environments:\n  a: {{target: 'local:state'}}\n  b: {{target: 'local:{tmp_path}/abs'}}\n"
    )
    assert wiring.resolve_target(None, config=config, env="a") == f"local:{tmp_path / 'p' / 'state'}"
    assert wiring.resolve_target(None, config=config, env="b") == f"local:{tmp_path}/abs"


def test_empty_and_error_modes_never_create_a_missing_engine(tmp_path):
    missing = tmp_path / "nope"
    with wiring.open_backend(f"local:{missing}", missing=wiring.Missing.EMPTY) as backend:
        assert backend.digest_key() == b""
    assert not missing.exists()
    with (
        pytest.raises(ConfigError, match="no engine at"),
        wiring.open_backend(f"local:{missing}", missing=wiring.Missing.ERROR),
    ):
        pass
    assert not missing.exists()


def test_the_unlock_hint_gets_the_target_options():
    message = "locked by x; if that run is gone, break the lock with: mlgitops unlock abc123"
    assert wiring.with_unlock_target(message, "--env prod").endswith("mlgitops unlock abc123 --env prod")
