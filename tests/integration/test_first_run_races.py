"""First-run races replayed on the engine: one run converges, a refused create leaves no journal."""

# mypy: allow-untyped-defs, allow-untyped-calls

import httpx
import pytest

from manifestkit import documents, model_group, openai_connector, remote_model
from mlgitops.backends.opensearch import transients
from mlgitops.backends.opensearch.backend import OpenSearchBackend
from mlgitops.backends.opensearch.client import MLCommonsClient
from mlgitops.backends.opensearch.records import Bookkeeping
from mlgitops.engine import LocalEngine
from mlgitops.engine.http.transport import EngineTransport
from mlgitops.service import plan_once, reconcile_once

KEY_ENV = "RACES_OPENAI_KEY"
MASTER_KEY = "No shard available for [get [.plugins-ml-config][master_key]: routing [null]]"


class MasterKeyRace(httpx.BaseTransport):
    """The engine, except that the first ``refusals`` connector creates are refused (the master-key race)."""

    def __init__(
        self, engine, refusals, status=503, kind="no_shard_available_action_exception", reason=MASTER_KEY
    ):
        self._inner = EngineTransport(engine)
        self.refusals = refusals
        self.refused = 0
        self._error = {"type": kind, "reason": reason}
        self._status = status

    def handle_request(self, request):
        if request.url.path.endswith("/connectors/_create") and self.refused < self.refusals:
            self.refused += 1
            body = {"error": self._error | {"root_cause": [self._error]}, "status": self._status}
            return httpx.Response(self._status, json=body)
        return self._inner.handle_request(request)


def project(tmp_path, monkeypatch):
    monkeypatch.setenv(KEY_ENV, "sk-races-secret-1234")
    path = tmp_path / "m.yaml"
    path.write_text(
        documents(
            model_group("g", "races"),
            openai_connector("c1", KEY_ENV),
            openai_connector("c2", KEY_ENV),
            remote_model("m1", "c1", "g"),
            remote_model("m2", "c2", "g"),
        )
    )
    return [path]


def backend_over(transport):
    http = httpx.Client(transport=transport, base_url="http://local-engine")
    return OpenSearchBackend(MLCommonsClient(http, sleep=lambda seconds: None))


def test_connector_creates_racing_the_master_key_converge_in_one_run(tmp_path, monkeypatch):
    paths = project(tmp_path, monkeypatch)
    engine = LocalEngine(tmp_path / "engine")
    race = MasterKeyRace(engine, refusals=3)
    backend = backend_over(race)
    try:
        assert reconcile_once(paths, backend=backend, holder="me@here").ok
        assert race.refused == 3
        assert plan_once(paths, backend=backend).plan.is_empty
    finally:
        backend.close()
        engine.close()


FORBIDDEN = (403, "security_exception", "no permissions for [cluster:admin/opensearch/ml/create_connector]")


@pytest.mark.parametrize("refusal", [(503, "no_shard_available_action_exception", MASTER_KEY), FORBIDDEN])
def test_a_refused_create_leaves_no_pending_intent_and_the_next_run_converges(tmp_path, monkeypatch, refusal):
    paths = project(tmp_path, monkeypatch)
    engine = LocalEngine(tmp_path / "engine")
    race = MasterKeyRace(engine, 10 * transients.TRANSIENT_RETRY.attempts, *refusal)
    backend = backend_over(race)
    try:
        assert not reconcile_once(paths, backend=backend, holder="me@here").ok
        assert Bookkeeping(backend.client).read_all()[1] == []
        race.refusals = 0
        planned = plan_once(paths, backend=backend).plan
        assert not any("interrupted" in warning for warning in planned.warnings)
        assert reconcile_once(paths, backend=backend, holder="me@here").ok
        assert plan_once(paths, backend=backend).plan.is_empty
    finally:
        backend.close()
        engine.close()
