"""plan_once / reconcile_once against the real local engine (through the REST client)."""

# mypy: allow-untyped-defs, allow-untyped-calls

import gc
from pathlib import Path

import pytest

from manifestkit import documents, model_group, openai_connector, remote_model
from mlgitops.cli.wiring import open_backend
from mlgitops.errors import BackendRejectedError, LockError, ManifestError, PlanError
from mlgitops.plan.actions import Plan, Verb
from mlgitops.plan.report import Status, StepResult
from mlgitops.service import plan_once, reconcile_once, require_converged

SECRET = "sk-service-test-2b7e41"
MANIFESTS = documents(
    model_group("group", "test models"),
    openai_connector("conn", "SERVICE_TEST_KEY", parameters="model: text-embedding-3-small, dims: 8"),
    remote_model("model", "conn", group="group"),
)
ENV = {"SERVICE_TEST_KEY": SECRET}


@pytest.fixture
def manifests(tmp_path: Path) -> Path:
    path = tmp_path / "manifests"
    path.mkdir()
    (path / "all.yaml").write_text(MANIFESTS)
    return path


@pytest.fixture
def target(tmp_path: Path) -> str:
    return f"local:{tmp_path / 'engine'}"


def verbs(plan: Plan) -> list[tuple[str, str]]:
    return [(action.verb.value, str(action.key)) for action in plan.actions]


def test_reconcile_converges_and_replans_empty(manifests, target):
    with open_backend(target) as backend:
        outcome = reconcile_once([manifests], backend=backend, environ=ENV, target=target, parallelism=2)
        assert outcome.ok and not outcome.report.not_converged
        assert [step.status for step in outcome.report.steps] == [Status.DONE] * 4
        again = plan_once([manifests], backend=backend, environ=ENV, target=target)
    assert again.plan.is_empty


def test_credential_rotation_is_planned_without_the_value(manifests, target):
    with open_backend(target) as backend:
        reconcile_once([manifests], backend=backend, environ=ENV)
        rotated = plan_once([manifests], backend=backend, environ={"SERVICE_TEST_KEY": "new-value-77"})
    assert verbs(rotated.plan) == [
        ("undeploy", "Model/model"),
        ("update", "Connector/conn"),
        ("deploy", "Model/model"),
    ]
    (change,) = rotated.plan.actions[1].changes
    assert change.path == "credential.openAI_key" and change.after == "(sensitive value changed)"
    assert SECRET not in repr(rotated.plan) and "new-value-77" not in repr(rotated.plan)


def test_plan_without_credentials_warns_and_assumes_unchanged(manifests, target):
    with open_backend(target) as backend:
        reconcile_once([manifests], backend=backend, environ=ENV)
        outcome = plan_once([manifests], backend=backend, environ={})
    assert outcome.plan.is_empty
    assert any("SERVICE_TEST_KEY" in warning for warning in outcome.plan.warnings)


def test_reconcile_requires_credentials(manifests, target):
    with open_backend(target) as backend, pytest.raises(ManifestError, match="SERVICE_TEST_KEY"):
        reconcile_once([manifests], backend=backend, environ={})


def test_saved_plan_applies_and_stale_one_is_refused(manifests, target):
    with open_backend(target) as backend:
        saved = plan_once([manifests], backend=backend, environ=ENV, target=target).plan
        outcome = reconcile_once([manifests], backend=backend, environ=ENV, target=target, saved_plan=saved)
        assert outcome.ok
        with pytest.raises(PlanError, match="run plan again"):
            reconcile_once([manifests], backend=backend, environ=ENV, target=target, saved_plan=saved)


def test_saved_plan_refused_when_credentials_changed(manifests, target):
    with open_backend(target) as backend:
        saved = plan_once([manifests], backend=backend, environ=ENV, target=target).plan
        with pytest.raises(PlanError, match="credentials of Connector/conn changed"):
            reconcile_once(
                [manifests],
                backend=backend,
                environ={"SERVICE_TEST_KEY": "x"},
                target=target,
                saved_plan=saved,
            )


def test_held_lock_blocks_a_second_reconcile(manifests, target):
    with open_backend(target) as backend:
        lock = backend.acquire_lock("run-other", "someone@elsewhere")
        with pytest.raises(LockError, match="someone@elsewhere"):
            reconcile_once([manifests], backend=backend, environ=ENV)
        backend.release_lock(lock.lock_id)
        assert reconcile_once([manifests], backend=backend, environ=ENV).ok


class FailingConnectorCreates:
    """The real backend, except that creating a connector is rejected as a server would."""

    def __init__(self, backend):
        self.backend = backend

    def __getattr__(self, name):
        return getattr(self.backend, name)

    def apply(self, action, **kwargs):
        if action.key.kind.value == "Connector" and action.verb == Verb.CREATE:
            raise BackendRejectedError(
                "Connector URL is not matching the trusted connector endpoint regex", 400
            )
        return self.backend.apply(action, **kwargs)


def test_failed_step_is_reported_and_dependents_skipped(manifests, target):
    with open_backend(target) as backend:
        outcome = reconcile_once([manifests], backend=FailingConnectorCreates(backend), environ=ENV)
    statuses = {f"{step.action.key}:{step.action.verb.value}": step.status for step in outcome.report.steps}
    assert statuses == {
        "ModelGroup/group:create": Status.DONE,
        "Connector/conn:create": Status.FAILED,
        "Model/model:register": Status.SKIPPED,
        "Model/model:deploy": Status.SKIPPED,
    }
    assert not outcome.ok and not outcome.report.not_converged


def test_changed_parameter_choreography_applies(manifests, target):
    with open_backend(target) as backend:
        reconcile_once([manifests], backend=backend, environ=ENV)
        (manifests / "all.yaml").write_text(MANIFESTS.replace("dims: 8", "dims: 16"))
        plan = plan_once([manifests], backend=backend, environ=ENV).plan
        assert verbs(plan) == [
            ("undeploy", "Model/model"),
            ("update", "Connector/conn"),
            ("deploy", "Model/model"),
        ]
        assert plan.actions[0].verb == Verb.UNDEPLOY and plan.actions[0].disruptive
        outcome = reconcile_once([manifests], backend=backend, environ=ENV)
        assert outcome.ok
        assert plan_once([manifests], backend=backend, environ=ENV).plan.is_empty


class SilentlyIgnoresModels:
    """The real backend, except that model steps report success without doing anything."""

    def __init__(self, backend):
        self.backend = backend

    def __getattr__(self, name):
        return getattr(self.backend, name)

    def apply(self, action, **kwargs):
        if action.key.kind.value == "Model":
            return "fake-id"
        return self.backend.apply(action, **kwargs)


def test_replan_names_what_did_not_converge(manifests, target):
    with open_backend(target) as backend:
        outcome = reconcile_once([manifests], backend=SilentlyIgnoresModels(backend), environ=ENV)
    assert not outcome.ok
    assert outcome.report.not_converged == (
        "Model/model (register: not on the target)",
        "Model/model (deploy: newly registered, desired deployed)",
    )
    with pytest.raises(PlanError, match="did not converge after apply: Model/model"):
        require_converged(outcome)


def test_progress_reports_each_step(manifests, target):
    seen: list[StepResult] = []
    with open_backend(target) as backend:
        reconcile_once([manifests], backend=backend, environ=ENV, progress=seen.append)
    assert [(step.action.verb.value, step.status) for step in seen] == [
        ("create", Status.DONE),
        ("create", Status.DONE),
        ("register", Status.DONE),
        ("deploy", Status.DONE),
    ]


def test_an_environment_digest_key_wins_and_no_target_key_is_made(manifests, target):
    keyed = {**ENV, "MLGITOPS_DIGEST_KEY": "ci-only-digest-key"}
    with open_backend(target) as backend:
        assert reconcile_once([manifests], backend=backend, environ=keyed).ok
        assert backend.digest_key() == b""
        assert plan_once([manifests], backend=backend, environ=keyed).plan.is_empty
        without = plan_once([manifests], backend=backend, environ=ENV).plan
    assert ("update", "Connector/conn") in verbs(without)  # another key: shown as changed, never hidden


def test_reading_the_target_and_planning_run_with_the_collector_paused(manifests, target):
    with open_backend(target) as backend:
        seen: list[bool] = []
        read_state = backend.read_state

        def reading(desired, *args, **kwargs):
            seen.append(gc.isenabled())
            return read_state(desired, *args, **kwargs)

        backend.read_state = reading  # type: ignore[method-assign]
        plan_once([manifests], backend=backend, environ=ENV)
    assert seen == [False]
    assert gc.isenabled()
