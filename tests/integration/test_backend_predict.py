"""`mlgitops predict` end to end: reconcile a connector to a real loopback stand-in, then predict by name."""

import json

import pytest

from manifestkit import OPENAI_PROCESSORS, documents, openai_connector, remote_model, trusted_loopback
from mlgitops.cli.main import main
from mlgitops.standin.server import StandinServer

SECRET = "sk-predict-secret-5150"
MANIFESTS = documents(
    trusted_loopback("scope: persistent"),
    openai_connector("emb", "OPENAI_API_KEY", url="URL/v1/embeddings", processors=OPENAI_PROCESSORS),
    remote_model("emb", "emb"),
)


@pytest.fixture
def reconciled(tmp_path, monkeypatch, capsys):
    with StandinServer(api_keys={"openai": SECRET}) as standin:
        (tmp_path / "m.yaml").write_text(MANIFESTS.replace("URL", standin.url))
        monkeypatch.chdir(tmp_path)
        monkeypatch.setenv("OPENAI_API_KEY", SECRET)
        target = f"local:{tmp_path / 'engine'}"
        assert main(["reconcile", "m.yaml", "--target", target]) == 0, capsys.readouterr().err
        capsys.readouterr()
        yield target, standin


def test_predict_text_docs_by_logical_name(reconciled, capsys):
    target, standin = reconciled
    assert main(["predict", "emb", "--text-docs", "hello", "world", "--target", target]) == 0
    output = capsys.readouterr()
    result = json.loads(output.out)
    embeddings = result["inference_results"][0]["output"]
    assert [item["name"] for item in embeddings] == ["sentence_embedding"] * 2
    assert SECRET not in output.out + output.err
    assert standin.requests[-1].headers["authorization"] == f"Bearer {SECRET}"


def test_predict_with_parameters(reconciled, capsys):
    target, _ = reconciled
    assert main(["predict", "emb", "--parameters", '{"input": ["hi"]}', "--target", target]) == 0
    assert "inference_results" in json.loads(capsys.readouterr().out)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["predict", "ghost", "--parameters", "{}"], "no model named 'ghost'"),
        (["predict", "emb", "--parameters", "[1]"], "must be a JSON object"),
        (["predict", "emb", "--parameters", "{nope"], "not valid JSON"),
        (["predict", "emb"], "give --parameters"),
    ],
)
def test_predict_user_errors_are_one_line(reconciled, capsys, argv, message):
    target, _ = reconciled
    assert main([*argv, "--target", target]) == 1
    err = capsys.readouterr().err
    assert message in err
    assert err.count("\n") == 1
