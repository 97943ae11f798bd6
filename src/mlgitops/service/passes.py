"""One reconcile pass: plan_once (read only) and reconcile_once (lock, recover, plan, apply, re-plan)."""

import getpass
import logging
import socket
import threading
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mlgitops.backends.base import Backend
from mlgitops.errors import PlanError
from mlgitops.model.resources import ResourceKey
from mlgitops.plan.actions import Action, Plan, Verb
from mlgitops.plan.desired import build_digests
from mlgitops.plan.fingerprint import fingerprint_of
from mlgitops.plan.planning import build_plan
from mlgitops.plan.report import ApplyReport, Status
from mlgitops.plan.saved import check_saved_plan
from mlgitops.plan.state import ActualState, DesiredResource
from mlgitops.service.executor import Progress, run_actions
from mlgitops.service.inputs import (
    Inputs,
    assume_recorded_digests,
    build_inputs,
    read_digest_key,
    read_manifests,
    resolve_all,
)

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Options:
    """How to plan: the flags of ``plan``/``reconcile``."""

    prune: bool = False
    adopt: bool = False
    allow_empty: bool = False
    allow_plaintext_credentials: bool = False
    target: str = ""


@dataclass(frozen=True)
class PlanOutcome:
    """A plan and what it was made from."""

    plan: Plan
    desired: tuple[DesiredResource, ...]
    actual: ActualState


@dataclass(frozen=True)
class ApplyOutcome:
    """What a reconcile did: the plan applied, each step's result, and the re-plan check."""

    report: ApplyReport

    @property
    def plan(self) -> Plan:
        """The plan that was applied."""
        return self.report.plan

    @property
    def ok(self) -> bool:
        """True when every step is done and the target converged."""
        return self.report.ok


def _inputs(
    paths: Sequence[Path],
    backend: Backend,
    variables: Mapping[str, Any] | None,
    options: Options,
    *,
    strict: bool,
    environ: Mapping[str, str] | None,
) -> tuple[Inputs, list[str]]:
    manifests = read_manifests(
        paths, variables=variables, allow_plaintext_credentials=options.allow_plaintext_credentials
    )
    secrets, unresolved, warnings = resolve_all(
        manifests.documents,
        strict=strict,
        allow_plaintext=options.allow_plaintext_credentials,
        environ=environ,
    )
    return build_inputs(manifests, secrets, unresolved, read_digest_key(backend, environ)), warnings


def _plan(
    inputs: Inputs, backend: Backend, options: Options, warnings: list[str], *, adopt: bool
) -> PlanOutcome:
    actual = backend.read_state(inputs.desired)
    desired = assume_recorded_digests(inputs, actual)
    plan = build_plan(
        desired,
        actual,
        prune=options.prune,
        allow_empty=options.allow_empty,
        adopt=adopt,
        target=options.target,
    )
    if warnings:
        plan = Plan(plan.actions, plan.fingerprint, plan.target, (*warnings, *plan.warnings))
    return PlanOutcome(plan, desired, actual)


def plan_once(
    paths: Sequence[Path],
    *,
    backend: Backend,
    variables: Mapping[str, Any] | None = None,
    prune: bool = False,
    adopt: bool = False,
    allow_empty: bool = False,
    allow_plaintext_credentials: bool = False,
    target: str = "",
    environ: Mapping[str, str] | None = None,
) -> PlanOutcome:
    """Load the manifests, read the target and build the plan; changes nothing.

    Args:
        paths: manifest files or directories.
        backend: the target (``cli.wiring.open_backend``).
        variables: ``${vars.NAME}`` values (``project_variables(config, env)``).
        prune: plan deletes of owned resources that left the manifests.
        adopt: take over unowned resources with a desired name instead of failing.
        allow_empty: allow pruning with no resource in the manifests.
        allow_plaintext_credentials: accept literal credentials (local tests only).
        target: the target's name, recorded in the plan.
        environ: where ``{env: NAME}`` credentials are read (default ``os.environ``).

    Credentials that cannot be resolved (a pull-request run without secrets) are assumed unchanged
    and reported as plan warnings. Raises ManifestError, PlanError or BackendError.
    """
    opts = Options(prune, adopt, allow_empty, allow_plaintext_credentials, target)
    inputs, warnings = _inputs(paths, backend, variables, opts, strict=False, environ=environ)
    return _plan(inputs, backend, opts, warnings, adopt=opts.adopt)


def default_holder() -> str:
    """``user@host``, recorded in the lock."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"
    return f"{user}@{socket.gethostname()}"


def reconcile_once(
    paths: Sequence[Path],
    *,
    backend: Backend,
    variables: Mapping[str, Any] | None = None,
    prune: bool = False,
    adopt: bool = False,
    allow_empty: bool = False,
    allow_plaintext_credentials: bool = False,
    target: str = "",
    saved_plan: Plan | None = None,
    parallelism: int = 4,
    progress: Progress | None = None,
    environ: Mapping[str, str] | None = None,
    holder: str | None = None,
) -> ApplyOutcome:
    """Plan and apply under the target's lock, then check that a new plan is empty.

    Args:
        paths: manifest files or directories.
        backend: the target (``cli.wiring.open_backend``).
        variables: ``${vars.NAME}`` values (``project_variables(config, env)``).
        prune, adopt, allow_empty, allow_plaintext_credentials, target: as for ``plan_once``.
        saved_plan: apply exactly this plan (``plan --out``); PlanError when the target changed since.
        parallelism: independent steps applied at once.
        progress: called with each step's result as it finishes.
        environ: where ``{env: NAME}`` credentials are read (default ``os.environ``).
        holder: who takes the lock (default ``user@host``).

    Raises:
        ManifestError, PlanError, LockError, BackendError. Failed steps do not raise: see the report.
    """
    opts = Options(prune, adopt, allow_empty, allow_plaintext_credentials, target)
    inputs, _ = _inputs(paths, backend, variables, opts, strict=True, environ=environ)
    run_id = f"run-{uuid.uuid4().hex[:12]}"
    lock = backend.acquire_lock(run_id, holder or default_holder())
    try:
        for step in backend.recover().steps:
            logger.info("recovered: %s", step)
        return _apply(inputs, backend, opts, saved_plan, parallelism, progress)
    finally:
        backend.release_lock(lock.lock_id)


def _apply(
    inputs: Inputs,
    backend: Backend,
    opts: Options,
    saved_plan: Plan | None,
    parallelism: int,
    progress: Progress | None,
) -> ApplyOutcome:
    if saved_plan is not None:
        actual = backend.read_state(inputs.desired)
        check_saved_plan(saved_plan, fingerprint=fingerprint_of(actual), target=opts.target)
        _check_saved_secrets(saved_plan, inputs, backend)
        plan = saved_plan
    else:
        plan = _plan(inputs, backend, opts, [], adopt=opts.adopt).plan
    ids: dict[ResourceKey, str] = {}
    guard = threading.Lock()

    def resolve(key: ResourceKey) -> str | None:
        with guard:
            return ids.get(key)

    def apply_one(action: Action) -> str | None:
        resource_id = backend.apply(action, secrets=inputs.secrets, resolve=resolve)
        if resource_id is not None and action.verb != Verb.DELETE:
            with guard:
                ids[action.key] = resource_id
        return resource_id

    steps = run_actions(plan.actions, apply_one, parallelism=parallelism, progress=progress)
    failed = any(step.status != Status.DONE for step in steps)
    not_converged = () if failed or plan.is_empty else _not_converged(inputs, backend, opts)
    return ApplyOutcome(ApplyReport(plan, steps, not_converged))


def _not_converged(inputs: Inputs, backend: Backend, opts: Options) -> tuple[str, ...]:
    again = _plan(inputs, backend, opts, [], adopt=True).plan
    if not again.is_empty:
        logger.warning("the target did not converge: %d step(s) still planned", len(again.actions))
    return tuple(f"{action.key} ({action.verb.value}: {action.reason})" for action in again.actions)


def _check_saved_secrets(plan: Plan, inputs: Inputs, backend: Backend) -> None:
    key = read_digest_key(backend)
    for action in plan.actions:
        secrets = inputs.secrets.get(action.key)
        if secrets and action.secret_digests and build_digests(key, secrets) != dict(action.secret_digests):
            raise PlanError(
                f"the credentials of {action.key} changed since this plan was made; run plan again"
            )


def require_converged(outcome: ApplyOutcome) -> None:
    """PlanError naming the resources that a successful apply left different from the manifests."""
    if outcome.report.not_converged:
        raise PlanError("the target did not converge after apply: " + "; ".join(outcome.report.not_converged))
