"""`mlgitops simulate` and `mlgitops execute`: by manifest name, one-line errors for bad input."""

import json

import pytest

from clikit import run
from mlgitops.standin.server import DEMO_AWS_ACCESS_KEY, DEMO_AWS_SECRET_KEY, DEMO_OPENAI_KEY, StandinServer


@pytest.fixture
def applied(capsys, env, example_project, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", DEMO_OPENAI_KEY)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", DEMO_AWS_ACCESS_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", DEMO_AWS_SECRET_KEY)
    monkeypatch.delenv("AWS_SESSION_TOKEN")
    config = example_project / "mlgitops.yaml"
    with StandinServer() as standin:
        port = standin.url.rsplit(":", 1)[1]
        config.write_text(config.read_text().replace("8765", port))
        code, _, err = run(capsys, "reconcile", *env)
        assert code == 0, err
        yield env


def test_simulate_and_execute_by_name(capsys, applied):
    code, out, err = run(capsys, "simulate", "passage-embedding", *applied, "--doc", '{"passage_text": "hi"}')
    assert code == 0, err
    source = json.loads(out)["docs"][0]["doc"]["_source"]
    assert len(source["passage_embedding"]) == 8
    code, out, err = run(
        capsys, "execute", "chat-assistant", *applied, "--parameters", '{"question": "ping?"}'
    )
    assert code == 0, err
    assert "Stand-in reply to: ping?" in json.loads(out)["inference_results"][0]["output"][0]["result"]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["simulate", "passage-embeding", "--doc", "{}"], "no IngestPipeline named 'passage-embeding'"),
        (["simulate", "nope", "--doc", "{}"], "(managed ingest pipelines: passage-embedding)"),
        (["simulate", "passage-embedding", "--doc", "[1]"], "--doc must be a JSON object"),
        (["simulate", "passage-embedding", "--doc", "{"], "--doc is not valid JSON"),
        (["execute", "chat", "--parameters", "{}"], "(managed agents: chat-assistant)"),
    ],
)
def test_mistakes_are_one_line(capsys, applied, argv, message):
    code, _, err = run(capsys, *argv, *applied)
    assert code == 1 and message in err and len(err.strip().splitlines()) == 1, err
