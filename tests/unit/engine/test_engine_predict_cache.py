"""Predict keeps what it read from the store only while nobody changed the engine, in any process."""

import json
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import httpx
import pytest
from enginekit import connector_body, create_connector, error, ok, register_model

from mlgitops.engine import LocalEngine
from mlgitops.engine.http.transport import EngineTransport
from mlgitops.engine.resources import lifecycle, predict_inputs
from mlgitops.standin import DEMO_OPENAI_KEY, StandinServer

ML = "/_plugins/_ml"
TRUSTED = "plugins.ml_commons.trusted_connector_endpoints_regex"
LOOPBACK = {
    TRUSTED: [r"^http://127\.0\.0\.1:\d+/.*$"],
    "plugins.ml_commons.connector.private_ip_enabled": True,
}
REQUEST = {"text_docs": ["cached?"]}


@pytest.fixture
def stack(monkeypatch: pytest.MonkeyPatch) -> Iterator[ExitStack]:
    monkeypatch.delenv("MLGITOPS_MASTER_KEY", raising=False)
    with ExitStack() as stack:
        yield stack


def client(stack: ExitStack, directory: Path) -> httpx.Client:
    """A client of a LocalEngine of its own (its own database connection) on ``directory``."""
    engine = stack.enter_context(LocalEngine(directory))
    return stack.enter_context(httpx.Client(transport=EngineTransport(engine), base_url="http://engine"))


def deploy(http: httpx.Client, url: str) -> tuple[str, str]:
    ok(http.put("/_cluster/settings", json={"persistent": LOOPBACK}))
    action = {**connector_body()["actions"][0], "url": f"{url}/v1/embeddings"}
    connector_id = create_connector(http, credential={"openAI_key": DEMO_OPENAI_KEY}, actions=[action])
    model_id = register_model(http, connector_id)
    ok(http.post(f"{ML}/models/{model_id}/_deploy"))
    assert ok(http.get(f"{ML}/models/{model_id}"))["model_state"] == "DEPLOYING"  # finished after this
    return connector_id, model_id


def predict(http: httpx.Client, model_id: str) -> httpx.Response:
    return http.post(f"{ML}/models/{model_id}/_predict", json=REQUEST)


def repoint(http: httpx.Client, connector_id: str, model_id: str, **changes: object) -> None:
    """Undeploy, update the connector, deploy again (2.19 refuses updates of a connector in use)."""
    ok(http.post(f"{ML}/models/{model_id}/_undeploy"))
    ok(http.put(f"{ML}/connectors/{connector_id}", json=changes))
    ok(http.post(f"{ML}/models/{model_id}/_deploy"))


def endpoint(url: str) -> list[dict[str, object]]:
    return [{**connector_body()["actions"][0], "url": f"{url}/v1/embeddings"}]


def test_a_connector_repointed_by_another_engine_is_used_by_the_next_predict(stack, tmp_path) -> None:
    first, second = (stack.enter_context(StandinServer()) for _ in range(2))
    server, cli = client(stack, tmp_path / "e"), client(stack, tmp_path / "e")
    connector_id, model_id = deploy(server, first.url)
    for _ in range(2):
        ok(predict(server, model_id))
    repoint(cli, connector_id, model_id, actions=endpoint(second.url))
    ok(predict(server, model_id))
    assert (len(first.requests), len(second.requests)) == (2, 1)


def test_a_connector_repointed_through_the_same_engine_is_used_by_the_next_predict(stack, tmp_path) -> None:
    first, second = (stack.enter_context(StandinServer()) for _ in range(2))
    http = client(stack, tmp_path / "e")
    connector_id, model_id = deploy(http, first.url)
    ok(predict(http, model_id))
    repoint(http, connector_id, model_id, actions=endpoint(second.url))
    ok(predict(http, model_id))
    assert (len(first.requests), len(second.requests)) == (1, 1)


def test_a_credential_changed_by_another_engine_is_sent_by_the_next_predict(stack, tmp_path) -> None:
    standin = stack.enter_context(StandinServer())
    server, cli = client(stack, tmp_path / "e"), client(stack, tmp_path / "e")
    connector_id, model_id = deploy(server, standin.url)
    ok(predict(server, model_id))
    repoint(cli, connector_id, model_id, credential={"openAI_key": "sk-rotated-elsewhere"})
    reason = error(predict(server, model_id), 401)
    assert "sk-rotated-elsewhere" not in reason
    repoint(cli, connector_id, model_id, credential={"openAI_key": DEMO_OPENAI_KEY})
    ok(predict(server, model_id))
    assert [request.headers.get("authorization") for request in standin.requests] == [
        f"Bearer {DEMO_OPENAI_KEY}",
        "Bearer sk-rotated-elsewhere",
        f"Bearer {DEMO_OPENAI_KEY}",
    ]


def test_a_trusted_regex_narrowed_by_another_engine_refuses_the_next_predict(stack, tmp_path) -> None:
    standin = stack.enter_context(StandinServer())
    server, cli = client(stack, tmp_path / "e"), client(stack, tmp_path / "e")
    _, model_id = deploy(server, standin.url)
    ok(predict(server, model_id))
    ok(cli.put("/_cluster/settings", json={"transient": {TRUSTED: [r"^https://api\.openai\.com/.*$"]}}))
    assert error(predict(server, model_id), 400) == (
        "Connector URL is not matching the trusted connector endpoint regex"
    )
    assert len(standin.requests) == 1


def test_a_model_undeployed_by_another_process_is_seen_by_the_next_predict(stack, tmp_path) -> None:
    standin = stack.enter_context(StandinServer())
    server = client(stack, tmp_path / "e")
    _, model_id = deploy(server, standin.url)
    for _ in range(2):
        ok(predict(server, model_id))
    script = textwrap.dedent(
        f"""
        from pathlib import Path
        from mlgitops.engine import LocalEngine
        with LocalEngine(Path({str(tmp_path / "e")!r})) as engine:
            engine.settings.put({{"persistent": {{"plugins.ml_commons.model_auto_deploy.enable": False}}}})
            engine.lifecycle.undeploy([{model_id!r}])
        """
    )
    subprocess.run([sys.executable, "-c", script], check=True, timeout=60)
    assert error(predict(server, model_id), 400) == "Model not ready yet. Please deploy the model first."
    assert len(standin.requests) == 2


def test_an_interface_changed_by_another_engine_is_checked_by_the_next_predict(stack, tmp_path) -> None:
    standin = stack.enter_context(StandinServer())
    server, cli = client(stack, tmp_path / "e"), client(stack, tmp_path / "e")
    _, model_id = deploy(server, standin.url)
    request = {"parameters": {"input": ["cached?"]}}
    for _ in range(2):
        ok(server.post(f"{ML}/models/{model_id}/_predict", json=request))
    schema = {"type": "object", "properties": {"parameters": {"type": "object", "required": ["prompt"]}}}
    ok(cli.post(f"{ML}/models/{model_id}/_undeploy"))
    ok(cli.put(f"{ML}/models/{model_id}", json={"interface": {"input": json.dumps(schema)}}))
    ok(cli.post(f"{ML}/models/{model_id}/_deploy"))
    ok(cli.get(f"{ML}/models/{model_id}"))
    reason = error(server.post(f"{ML}/models/{model_id}/_predict", json=request), 400)
    assert "required property 'prompt' not found" in reason
    assert len(standin.requests) == 2


def test_reads_are_kept_between_predicts_until_forgotten(stack, tmp_path, monkeypatch) -> None:
    standin = stack.enter_context(StandinServer())
    engine = stack.enter_context(LocalEngine(tmp_path / "e"))
    http = stack.enter_context(httpx.Client(transport=EngineTransport(engine), base_url="http://engine"))
    _, model_id = deploy(http, standin.url)
    ok(predict(http, model_id))
    reads: list[str] = []

    def counted(ctx: object, wanted: str) -> object:
        reads.append(wanted)
        return predict_inputs.inputs_of(ctx, wanted)  # type: ignore[arg-type]

    monkeypatch.setattr(lifecycle, "inputs_of", counted)
    for _ in range(3):
        ok(predict(http, model_id))
    engine.lifecycle.forget_reads()
    ok(predict(http, model_id))
    assert reads == [model_id]
