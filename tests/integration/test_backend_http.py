"""The same reconcile over real HTTP: `mlgitops engine`'s loopback server as an OpenSearch stand-in."""

import pytest

from manifestkit import documents, model_group, openai_connector, remote_model
from mlgitops.cli.main import main
from mlgitops.cli.wiring import open_backend
from mlgitops.engine import LocalEngine
from mlgitops.engine.http.server import make_server
from serverkit import serving

SECRET = "sk-over-http-secret-8080"
MANIFESTS = documents(
    model_group("grp", "over http"),
    openai_connector("emb", "OPENAI_API_KEY", request_body='{ "input": ${parameters.input} }'),
    remote_model("emb", "emb", group="grp"),
)


@pytest.fixture
def served(tmp_path, monkeypatch):
    engine = LocalEngine(tmp_path / "engine")
    server = make_server(engine, "127.0.0.1", 0, token_value="http-test-token-0123456789abcdefghijkl")
    monkeypatch.setenv("MLGITOPS_TOKEN", "http-test-token-0123456789abcdefghijkl")
    (tmp_path / "m.yaml").write_text(MANIFESTS)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    try:
        with serving(server):
            yield server.url
    finally:
        engine.close()


def test_reconcile_over_http_then_plan_is_empty(served, capsys):
    assert main(["reconcile", "m.yaml", "--target", served]) == 0, capsys.readouterr().err
    assert main(["plan", "m.yaml", "--target", served, "--detailed-exitcode"]) == 0
    output = capsys.readouterr()
    assert SECRET not in output.out + output.err
    with open_backend(served) as backend:
        state = backend.read_state([])
        assert {str(key) for key in state.resources} == {"ModelGroup/grp", "Connector/emb", "Model/emb"}
        assert all(resource.owned for resource in state.resources.values())


def test_lock_over_http(served, capsys):
    with open_backend(served) as backend:
        held = backend.acquire_lock("run-x", "someone@elsewhere")
    assert main(["reconcile", "m.yaml", "--target", served]) == 1
    assert f"mlgitops unlock {held.lock_id}" in capsys.readouterr().err
    assert main(["unlock", held.lock_id, "--target", served]) == 0
    assert main(["reconcile", "m.yaml", "--target", served]) == 0


def test_without_mlgitops_token_the_served_engine_refuses(served, capsys, monkeypatch):
    monkeypatch.delenv("MLGITOPS_TOKEN")
    assert main(["plan", "m.yaml", "--target", served]) == 1
    err = capsys.readouterr().err
    assert "HTTP 401" in err
    assert "missing bearer token" in err
    monkeypatch.setenv("MLGITOPS_TOKEN", "not-the-token")
    assert main(["plan", "m.yaml", "--target", served]) == 1
    assert "invalid bearer token" in capsys.readouterr().err


def test_bearer_and_basic_auth_do_not_mix(served, capsys, monkeypatch):
    monkeypatch.setenv("MLGITOPS_OPENSEARCH_USER", "admin")
    monkeypatch.setenv("MLGITOPS_OPENSEARCH_PASSWORD", "pw")
    assert main(["plan", "m.yaml", "--target", served]) == 1
    assert capsys.readouterr().err == (
        "error: set either MLGITOPS_TOKEN (bearer) or MLGITOPS_OPENSEARCH_USER/MLGITOPS_OPENSEARCH_PASSWORD "
        "(basic), not both\n"
    )


def test_the_client_and_the_server_name_the_same_token_variable():
    from mlgitops.backends.opensearch import auth
    from mlgitops.engine.http import token

    assert auth.TOKEN_ENV == token.TOKEN_ENV == "MLGITOPS_TOKEN"
