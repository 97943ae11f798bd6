"""One reconcile pass: plan_once (read only) and reconcile_once (lock, recover, plan, apply, re-plan)."""

import getpass
import logging
import socket
import threading
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from mlgitops.backends.base import Backend
from mlgitops.errors import PlanError
from mlgitops.manifests import ManifestCache
from mlgitops.manifests.collector import collector_paused
from mlgitops.model.resources import ResourceKey
from mlgitops.plan.actions import Action, Plan, Verb
from mlgitops.plan.desired import build_digests
from mlgitops.plan.fingerprint import fingerprint_of
from mlgitops.plan.planning import build_plan
from mlgitops.plan.report import ApplyReport, Status
from mlgitops.plan.saved import check_saved_plan, check_saved_target
from mlgitops.plan.state import ActualState, DesiredResource
from mlgitops.service.executor import DEFAULT_PARALLELISM, Progress, run_actions
from mlgitops.service.heartbeat import Heartbeat
from mlgitops.service.inputs import (
    FALLBACK_DIGEST_KEY,
    Inputs,
    assume_recorded_digests,
    build_inputs,
    read_digest_key,
    read_manifests,
    resolve_all,
)
from mlgitops.service.lockwait import acquire_waiting

logger = logging.getLogger(__name__)

DEFAULT_LOCK_TTL = 3600


@dataclass(frozen=True)
class Options:
    """How to plan: the flags of ``plan``/``reconcile``."""

    prune: bool = False
    adopt: bool = False
    allow_empty: bool = False
    allow_plaintext_credentials: bool = False
    target: str = ""
    cache: ManifestCache | None = field(default=None, compare=False)


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
        paths,
        variables=variables,
        allow_plaintext_credentials=options.allow_plaintext_credentials,
        cache=options.cache,
    )
    secrets, unresolved, warnings = resolve_all(
        manifests.documents,
        strict=strict,
        allow_plaintext=options.allow_plaintext_credentials,
        environ=environ,
    )
    # Only reconcile (strict) may create the target's digest key: a plan must never write.
    key = read_digest_key(backend, environ, create=strict)
    with collector_paused():
        return build_inputs(manifests, secrets, unresolved, key), warnings


def _plan(
    inputs: Inputs, backend: Backend, options: Options, warnings: list[str], *, adopt: bool
) -> PlanOutcome:
    with collector_paused():
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
    cache: ManifestCache | None = None,
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
        cache: reuse the parse and validation of unchanged manifest files (``ManifestCache``).

    Credentials that cannot be resolved (a pull-request run without secrets) are assumed unchanged
    and reported as plan warnings. Raises ManifestError, PlanError or BackendError.
    """
    opts = Options(prune, adopt, allow_empty, allow_plaintext_credentials, target, cache)
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
    parallelism: int = DEFAULT_PARALLELISM,
    progress: Progress | None = None,
    environ: Mapping[str, str] | None = None,
    holder: str | None = None,
    lock_ttl_seconds: int = DEFAULT_LOCK_TTL,
    lock_timeout: float = 0.0,
    cache: ManifestCache | None = None,
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
        lock_ttl_seconds: the lock expires unless renewed within this time; a heartbeat renews it
            every third of it while the run applies, so a long apply keeps it.
        lock_timeout: seconds to wait for a lock held by another run (0: fail at once).
        cache: as for ``plan_once``.

    Raises:
        ManifestError, PlanError, LockError, BackendError. Failed steps do not raise: see the report.
    """
    opts = Options(prune, adopt, allow_empty, allow_plaintext_credentials, target, cache)
    if saved_plan is not None:
        check_saved_target(saved_plan, target)  # before anything is written to the wrong target
    inputs, _ = _inputs(paths, backend, variables, opts, strict=True, environ=environ)
    run_id = f"run-{uuid.uuid4().hex[:12]}"
    who = holder or default_holder()
    lock = acquire_waiting(
        lambda: backend.acquire_lock(run_id, who, ttl_seconds=lock_ttl_seconds), lock_timeout
    )
    try:
        with Heartbeat(lambda: backend.renew_lock(lock.lock_id), lock_ttl_seconds / 3) as heartbeat:
            for step in backend.recover().steps:
                logger.info("recovered: %s", step)
            return _apply(inputs, backend, opts, saved_plan, Run(parallelism, progress, heartbeat))
    finally:
        backend.release_lock(lock.lock_id)


@dataclass(frozen=True)
class Run:
    """How one apply runs: its parallelism, its progress callback and the lock's heartbeat."""

    parallelism: int
    progress: Progress | None
    heartbeat: Heartbeat


def _apply(
    inputs: Inputs, backend: Backend, opts: Options, saved_plan: Plan | None, run: Run
) -> ApplyOutcome:
    if saved_plan is not None:
        actual = backend.read_state(inputs.desired)
        check_saved_plan(saved_plan, fingerprint=fingerprint_of(actual), target=opts.target)
        plan = _with_current_digests(saved_plan, inputs)
    else:
        plan = _plan(inputs, backend, opts, [], adopt=opts.adopt).plan
    ids: dict[ResourceKey, str] = {}
    guard = threading.Lock()

    def resolve(key: ResourceKey) -> str | None:
        with guard:
            return ids.get(key)

    def apply_one(action: Action) -> str | None:
        run.heartbeat.check()
        resource_id = backend.apply(action, secrets=inputs.secrets, resolve=resolve)
        if resource_id is not None and action.verb != Verb.DELETE:
            with guard:
                ids[action.key] = resource_id
        return resource_id

    with backend.applying(plan.actions, resolve=resolve):
        steps = run_actions(plan.actions, apply_one, parallelism=run.parallelism, progress=run.progress)
    failed = any(step.status != Status.DONE for step in steps)
    not_converged = () if failed or plan.is_empty else _not_converged(inputs, backend, opts)
    return ApplyOutcome(ApplyReport(plan, steps, not_converged))


def _not_converged(inputs: Inputs, backend: Backend, opts: Options) -> tuple[str, ...]:
    again = _plan(inputs, backend, opts, [], adopt=True).plan
    if not again.is_empty:
        logger.warning("the target did not converge: %d step(s) still planned", len(again.actions))
    return tuple(f"{action.key} ({action.verb.value}: {action.reason})" for action in again.actions)


def _with_current_digests(plan: Plan, inputs: Inputs) -> Plan:
    """The saved plan with credential digests under the current key; PlanError when a credential changed.

    A plan of a target without a digest key used FALLBACK_DIGEST_KEY (plans never write the key), so
    its digests are also accepted under that key; the records get the digests under the current key.
    """
    desired = {resource.key: resource for resource in inputs.desired}
    actions: list[Action] = []
    for action in plan.actions:
        secrets = inputs.secrets.get(action.key)
        if secrets and action.secret_digests:
            saved = dict(action.secret_digests)
            keys = (inputs.digest_key, FALLBACK_DIGEST_KEY)
            if all(build_digests(key, secrets) != saved for key in keys):
                raise PlanError(
                    f"the credentials of {action.key} changed since this plan was made; run plan again"
                )
            if action.key in desired:
                action = replace(action, secret_digests=dict(desired[action.key].secret_digests))
        actions.append(action)
    return replace(plan, actions=tuple(actions))


def require_converged(outcome: ApplyOutcome) -> None:
    """PlanError naming the resources that a successful apply left different from the manifests."""
    if outcome.report.not_converged:
        raise PlanError("the target did not converge after apply: " + "; ".join(outcome.report.not_converged))
