"""A connector update that 2.19 refuses because of deployed models of *other* connectors.

ML Commons 2.19 finds the deployed models using a connector with a full-text match on
``connector_id``, so ids sharing a term block each other. The fake below refuses exactly that way.
"""

import httpx
import pytest

from mlgitops.backends.opensearch.applying import Applier, blocking_models
from mlgitops.backends.opensearch.client import MLCommonsClient
from mlgitops.backends.opensearch.records import Bookkeeping, record_to_source
from mlgitops.errors import BackendRejectedError
from mlgitops.model.resources import Kind, ResourceKey
from mlgitops.plan.state import OwnershipRecord

CONNECTOR = "shared-term-aaaa"
BYSTANDER = "m-bystander"


class Cluster:
    """Two models; the bystander is deployed on a connector whose id shares ``shared`` with ours."""

    def __init__(self, *, owned: bool) -> None:
        self.models = {
            "m-ours": {"connector_id": CONNECTOR, "model_state": "UNDEPLOYED"},
            BYSTANDER: {"connector_id": "other-shared-bbbb", "model_state": "DEPLOYED"},
        }
        self.owned = owned
        self.calls: list[str] = []

    def _deployed_blockers(self) -> list[str]:
        words = set(CONNECTOR.split("-"))
        return [
            model_id
            for model_id, model in self.models.items()
            if model["model_state"] == "DEPLOYED" and words & set(model["connector_id"].split("-"))
        ]

    def __call__(self, request: httpx.Request) -> httpx.Response:
        path, method = request.url.path, request.method
        self.calls.append(f"{method} {path}")
        if path == "/.mlgitops/_search":
            key = ResourceKey(Kind.MODEL, "bystander")
            hits = [{"_id": "record", "_source": record_to_source(OwnershipRecord(key, BYSTANDER), 1)}]
            return httpx.Response(200, json={"hits": {"hits": hits if self.owned else []}})
        if path == f"/_plugins/_ml/connectors/{CONNECTOR}" and method == "PUT":
            blockers = self._deployed_blockers()
            if blockers:
                reason = (
                    f"{len(blockers)} models are still using this connector, please undeploy the models "
                    f"first: [{', '.join(blockers)}]"
                )
                error = {"type": "status_exception", "reason": reason}
                return httpx.Response(400, json={"error": error, "status": 400})
            return httpx.Response(200, json={"result": "updated"})
        model_id = path.split("/")[4] if path.startswith("/_plugins/_ml/models/") else ""
        if path.endswith("/_undeploy"):
            self.models[model_id]["model_state"] = "UNDEPLOYED"
            return httpx.Response(200, json={})
        if path.endswith("/_deploy"):
            self.models[model_id]["model_state"] = "DEPLOYED"
            return httpx.Response(200, json={"task_id": "t", "status": "COMPLETED"})
        if model_id and method == "GET":
            return httpx.Response(200, json=self.models[model_id])
        return httpx.Response(404, json={})


def _update(cluster: Cluster) -> None:
    client = MLCommonsClient(httpx.Client(transport=httpx.MockTransport(cluster), base_url="http://t"))
    Applier(client, Bookkeeping(client))._update_connector(CONNECTOR, {"parameters": {"model": "new"}})


def test_an_owned_bystander_is_undeployed_for_the_update_and_deployed_again() -> None:
    cluster = Cluster(owned=True)
    _update(cluster)
    mutations = [call for call in cluster.calls if not call.startswith(("GET", "POST /.mlgitops"))]
    assert mutations == [
        f"PUT /_plugins/_ml/connectors/{CONNECTOR}",
        f"POST /_plugins/_ml/models/{BYSTANDER}/_undeploy",
        f"PUT /_plugins/_ml/connectors/{CONNECTOR}",
        f"POST /_plugins/_ml/models/{BYSTANDER}/_deploy",
    ]
    assert cluster.models[BYSTANDER]["model_state"] == "DEPLOYED"


def test_an_unowned_bystander_is_never_touched_and_the_error_says_why() -> None:
    cluster = Cluster(owned=False)
    with pytest.raises(BackendRejectedError, match=f"does not own are named: {BYSTANDER}.*blue_green"):
        _update(cluster)
    assert not [call for call in cluster.calls if "_undeploy" in call or "_deploy" in call]
    assert cluster.models[BYSTANDER]["model_state"] == "DEPLOYED"


def test_blocking_models_reads_the_ids_of_the_refusal() -> None:
    reason = "2 models are still using this connector, please undeploy the models first: [a-1, b_2]"
    assert blocking_models(reason) == ["a-1", "b_2"]
    assert blocking_models("Failed to find connector") == []


def test_a_shortened_refusal_names_only_its_complete_ids() -> None:
    reason = "3 models are still using this connector, please undeploy the models first: [a-1, b_2, c…"
    assert blocking_models(reason + " (status_exception)") == ["a-1", "b_2"]


class CrowdedCluster(Cluster):
    """Twelve owned bystanders with 20-character ids: more than one shortened refusal can show."""

    def __init__(self) -> None:
        super().__init__(owned=True)
        self.crowd = [f"m-bystander-{n:08d}" for n in range(12)]
        for model_id in self.crowd:
            self.models[model_id] = {"connector_id": "other-shared-cccc", "model_state": "DEPLOYED"}

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/.mlgitops/_search":
            self.calls.append(f"{request.method} {request.url.path}")
            records = [
                {
                    "_id": f"r{n}",
                    "_source": record_to_source(OwnershipRecord(ResourceKey(Kind.MODEL, f"b{n}"), m), 1),
                }
                for n, m in enumerate([BYSTANDER, *self.crowd])
            ]
            return httpx.Response(200, json={"hits": {"hits": records}})
        return super().__call__(request)


def test_bystanders_past_what_one_refusal_shows_are_handled_round_by_round() -> None:
    cluster = CrowdedCluster()
    _update(cluster)
    updates = [call for call in cluster.calls if call == f"PUT /_plugins/_ml/connectors/{CONNECTOR}"]
    assert len(updates) > 2  # the 256-character reason shows a few ids per refusal
    assert all(cluster.models[m]["model_state"] == "DEPLOYED" for m in [BYSTANDER, *cluster.crowd])
    deploys = [call for call in cluster.calls if call.endswith("/_deploy")]
    assert sorted(deploys) == sorted(
        f"POST /_plugins/_ml/models/{m}/_deploy" for m in [BYSTANDER, *cluster.crowd]
    )
    assert cluster.calls.count("POST /.mlgitops/_search") == 1  # the records are read once, not each round
