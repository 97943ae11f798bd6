"""Run the whole scenario against one target: reset it, send every step, normalise the answers."""

import time
from typing import Any

import httpx

from differential.bodies import openai_connector
from differential.cases import SCENARIO
from differential.normalise import normalise
from differential.scenario import Step, fill, run

ML = "/_plugins/_ml"
_SCRATCH_INDICES = ("/.mlgitops", "/.mlgitops-none")
_SETTINGS = (
    "plugins.ml_commons.trusted_connector_endpoints_regex",
    "plugins.ml_commons.connector.private_ip_enabled",
    "plugins.ml_commons.only_run_on_ml_node",
    "plugins.ml_commons.agent_framework_enabled",
)


def _ids(client: httpx.Client, kind: str) -> list[str]:
    response = client.post(f"{ML}/{kind}/_search", json={"query": {"match_all": {}}, "size": 1000})
    if response.status_code != 200:
        return []
    return [hit["_id"] for hit in response.json()["hits"]["hits"]]


def reset(client: httpx.Client) -> None:
    """Remove every model, connector and model group, and mlgitops' scratch indices."""
    for model_id in _ids(client, "models"):
        client.post(f"{ML}/models/{model_id}/_undeploy")
        client.delete(f"{ML}/models/{model_id}")
    for connector_id in _ids(client, "connectors"):
        client.delete(f"{ML}/connectors/{connector_id}")
    for group_id in _ids(client, "model_groups"):
        client.delete(f"{ML}/model_groups/{group_id}")
    for index in _SCRATCH_INDICES:
        client.delete(index)
    for setting in _SETTINGS:  # one by one: a target that does not know one refuses only that one
        client.put("/_cluster/settings", json={"persistent": {setting: None}})


def warm_up(client: httpx.Client, timeout: float = 60.0) -> None:
    """Create (and delete) one connector, so a fresh node has made its master key before the scenario."""
    body = fill(openai_connector(name="diff-warm-up"), {"standin": "https://api.openai.com"})
    deadline = time.monotonic() + timeout
    while True:
        response = client.post(f"{ML}/connectors/_create", json=body)
        if response.status_code == 200:
            client.delete(f"{ML}/connectors/{response.json()['connector_id']}")
            return
        if time.monotonic() > deadline:
            response.raise_for_status()
        time.sleep(1.0)


def run_scenario(
    client: httpx.Client, standin: str, steps: list[Step] | None = None
) -> dict[str, dict[str, Any]]:
    """The normalised answers of every recorded step, by step name."""
    reset(client)
    warm_up(client)
    variables = {"standin": standin}
    answers = run(client, SCENARIO if steps is None else steps, variables)
    reset(client)
    return {
        name: {"status": answer.status, "body": normalise(answer.body, variables)}
        for name, answer in answers.items()
    }
