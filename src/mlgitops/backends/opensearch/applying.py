"""Execute one plan action with the ML Commons choreography, journalled and recorded in ``.mlgitops``."""

import dataclasses
import itertools
import logging
import re
import threading
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from pydantic import SecretStr

from mlgitops.backends.base import Resolver, Secrets
from mlgitops.backends.opensearch import bodies, dependents, resources
from mlgitops.backends.opensearch.client import TASK_DONE, MLCommonsClient
from mlgitops.backends.opensearch.journal import JournalAhead
from mlgitops.backends.opensearch.records import Bookkeeping, Intent
from mlgitops.backends.opensearch.tasklimits import TaskLimits
from mlgitops.errors import (
    BackendError,
    BackendRejectedError,
    BackendTransientError,
    BackendUnavailableError,
    PlanError,
)
from mlgitops.model.resources import DEPENDENT_KINDS, Kind, ResourceKey
from mlgitops.plan.actions import Action, Verb, model_group_of
from mlgitops.plan.state import OwnershipRecord

logger = logging.getLogger(__name__)

_CREATES = (Verb.CREATE, Verb.REGISTER, Verb.REPLACE)
# Steps that a crash recovery only closes (the next plan redoes them): their intents are informational
# (a pending-step warning), so they are journalled without waiting.
_IDEMPOTENT = (Verb.UPDATE, Verb.ADOPT, Verb.DEPLOY, Verb.UNDEPLOY)
# Registers and deploys each run at most as many at once as ML Commons runs tasks of that type per node
# (see tasklimits), whatever the parallelism: a register waiting for its task never holds up a deploy.
# Register requests into one model group go one at a time: each bumps the group's latest_version (a
# conditional update), and ML Commons fails concurrent ones ("Failed to update data object in index
# .plugins-ml-model-group").


class Applier:
    """Runs actions for one run id: intent -> mutation -> ownership record -> intent done.

    A create's intent is on the target before the create is sent (written with the intents of the
    next creates of the plan, see ``journal``); what follows (its ownership record, closing the intent)
    is written in the background, shared with other steps' writes: a crash before it lands leaves the
    intent, from which recovery adopts the resource. ``Bookkeeping.flush``, and every read of the
    bookkeeping, waits for it.
    """

    def __init__(
        self,
        client: MLCommonsClient,
        book: Bookkeeping,
        *,
        clock: Callable[[], float] = time.time,
        task_timeout: float = 300.0,
    ) -> None:
        """Bind to a target; ``clock`` stamps intents and records."""
        self._client = client
        self._book = book
        self._clock = clock
        self._task_timeout = task_timeout
        self.run_id = f"run-{uuid.uuid4().hex[:12]}"
        self._seq = itertools.count(1)
        self._guard = threading.Lock()
        self._replaced: dict[tuple[ResourceKey, str], Intent] = {}
        self._register_slots = threading.BoundedSemaphore(TaskLimits().register)
        self._deploy_slots = threading.BoundedSemaphore(TaskLimits().deploy)
        self.touched: set[tuple[Kind, str]] = set()  # resources this process changed (see reading.settle)
        self._ahead = JournalAhead(book)
        self._resolve: Resolver = lambda _key: None
        self._planned: set[ResourceKey] | None = None  # the keys of the plan in ``begin``..``end``
        self._group_ids: dict[str, str | None] = {}  # groups the plan does not touch: their ids are final

    def begin(self, actions: Sequence[Action], resolve: Resolver, limits: TaskLimits) -> None:
        """The plan about to be applied: its creates' intents may then be written ahead, many at once.

        ``resolve`` gives the ids of resources this run applied (it must not read the target);
        ``limits`` how many register and deploy tasks the target runs at once.
        """
        self._register_slots = threading.BoundedSemaphore(limits.register)
        self._deploy_slots = threading.BoundedSemaphore(limits.deploy)
        with self._guard:
            self._resolve = resolve
            self._planned = {action.key for action in actions}
            self._group_ids = {}
        self._ahead.expect([action for action in actions if action.verb in _CREATES])

    def end(self) -> None:
        """The apply is over: close the intents written ahead of creates that never ran."""
        with self._guard:
            self._planned, self._group_ids = None, {}
        left = self._ahead.close()
        if left:
            self._book.settle(finished=left, wait=False)

    def now_ms(self) -> int:
        """The clock in epoch milliseconds."""
        return int(self._clock() * 1000)

    def apply(self, action: Action, *, secrets: Secrets, resolve: Resolver) -> str | None:
        """Execute ``action``; returns the id of the resource it created or changed."""

        def lookup(key: ResourceKey) -> str | None:
            found = resolve(key)
            if found is None:
                record = self._book.read_record(key)
                found = None if record is None else record.resource_id
            return found

        credential = secrets.get(action.key)
        target_id = action.resource_id
        if action.verb not in _CREATES and target_id is None:
            target_id = lookup(action.key)
        intent = self._journal(action, target_id, lookup)
        if action.verb in _CREATES:
            new_id = self._create(action, intent, credential, lookup)
            self._touch(action.key.kind, new_id)
            return new_id
        if target_id is None:
            raise PlanError(f"{action.key} has no id on the target; run plan again")
        self._touch(action.key.kind, target_id)
        try:
            if action.verb is Verb.DELETE:
                self._delete(action, intent, target_id)
                return None
            self._mutate(action, target_id, credential, lookup)
        except BackendError as exc:
            if not exc.retryable:  # refused outright: nothing changed, nothing to recover
                self._book.finish_intent(intent)
            raise
        records = [self._record(action, target_id)] if action.verb in (Verb.UPDATE, Verb.ADOPT) else []
        self._book.settle(records=records, finished=[intent], now_ms=self.now_ms(), wait=False)
        return target_id

    def _touch(self, kind: Kind, resource_id: str) -> None:
        if kind is not Kind.CLUSTER_SETTINGS:
            with self._guard:
                self.touched.add((kind, resource_id))

    def _journal(self, action: Action, target_id: str | None, lookup: Resolver) -> Intent:
        if action.verb in _CREATES:
            return self._ahead.journal(
                action,
                own=lambda: self._intent(action, target_id, self._group_id(action, lookup)),
                ahead=self._intent_ahead,
            )
        intent = self._intent(action, target_id, self._group_id(action, lookup))
        self._book.settle(intents=[intent], wait=action.verb not in _IDEMPOTENT)
        return intent

    def _group_id(self, action: Action, lookup: Resolver) -> str | None:
        """The id of the model group a model action names (None for other kinds)."""
        group = model_group_of(action)
        if group is None:
            return None
        key = ResourceKey(Kind.MODEL_GROUP, group)
        found = lookup(key)
        with self._guard:
            if self._planned is not None and key not in self._planned:
                self._group_ids[group] = found
        return found

    def _intent_ahead(self, action: Action) -> Intent | None:
        """The intent of a create that has not started, when it is known without reading the target."""
        group = model_group_of(action)
        group_id = None
        if group is not None:
            group_id = self._resolve(ResourceKey(Kind.MODEL_GROUP, group))
            if group_id is None:
                with self._guard:
                    group_id = self._group_ids.get(group)
            if group_id is None:
                return None
        return self._intent(action, action.resource_id, group_id)

    def _intent(self, action: Action, target_id: str | None, group_id: str | None) -> Intent:
        with self._guard:
            seq = next(self._seq)
        return Intent(
            intent_id=f"intent:{self.run_id}:{seq}",
            run_id=self.run_id,
            seq=seq,
            verb=action.verb.value,
            key=action.key,
            ml_name=bodies.ml_name(action.key, action.body),
            time_ms=self.now_ms(),
            resource_id=target_id,
            group_id=group_id,
            secret_digests=dict(action.secret_digests),
            protected=action.protected,
        )

    def _record(self, action: Action, resource_id: str) -> OwnershipRecord:
        return OwnershipRecord(
            action.key, resource_id, dict(action.secret_digests), action.protected, self.run_id
        )

    def _create(
        self, action: Action, intent: Intent, credential: Mapping[str, SecretStr] | None, lookup: Resolver
    ) -> str:
        body = dict(action.body or {})
        kind = action.key.kind
        try:
            if kind is Kind.CLUSTER_SETTINGS:
                self._client.put_cluster_settings(body)
                new_id = resources.SETTINGS_ID
            elif kind is Kind.MODEL_GROUP:
                new_id = self._client.register_model_group(body)
            elif kind is Kind.CONNECTOR:
                new_id = self._client.create_connector(bodies.with_credential(body, credential))
            elif kind in DEPENDENT_KINDS:
                new_id = dependents.put(self._client, action.key, body, lookup)
            else:
                new_id = self._register_model(bodies.build_model_body(body, credential, lookup))
        except BackendError as exc:
            if _refused(exc):  # the server answered no: nothing was created, nothing to recover
                self._book.finish_intent(intent)
            raise
        record = self._record(action, new_id)
        old_id = action.resource_id
        if action.verb is Verb.REPLACE and old_id and old_id != new_id:
            # The old resource still exists until the plan's DELETE of it: keep the intent (committed) so a
            # crash in between cannot orphan it; the DELETE finishes it.
            committed = dataclasses.replace(intent, committed=True)
            self._book.settle(records=[record], intents=[committed], now_ms=self.now_ms())
            with self._guard:
                self._replaced[(action.key, old_id)] = committed
        else:
            self._book.settle(records=[record], finished=[intent], now_ms=self.now_ms(), wait=False)
        return new_id

    def _register_model(self, body: Mapping[str, Any]) -> str:
        with self._register_slots:
            model_id, task_id = self._client.register_model(body)  # one at a time per model group
            # 2.11+ answers a remote register once the model document is indexed, with its id: the
            # model exists, nothing to wait for. Before 2.11 only the task tells the id.
            if model_id is None and task_id is not None:
                task = self._client.wait_for_task(task_id, self._task_timeout)
                model_id = task.get("model_id")
        if not model_id:
            raise BackendRejectedError("model registration finished without a model id")
        return str(model_id)

    def _mutate(
        self, action: Action, target_id: str, credential: Mapping[str, SecretStr] | None, lookup: Resolver
    ) -> None:
        body = dict(action.body or {})
        kind = action.key.kind
        if action.verb is Verb.DEPLOY:
            self.deploy(target_id)
        elif action.verb is Verb.UNDEPLOY:
            self._client.undeploy_model(target_id)
        elif action.verb is Verb.ADOPT or action.body is None:
            return  # nothing changes on the server (UPDATE without a body: only the record changes)
        elif kind is Kind.CLUSTER_SETTINGS:
            self._client.put_cluster_settings(body)
        elif kind is Kind.MODEL_GROUP:
            self._client.update_model_group(target_id, body)
        elif kind is Kind.CONNECTOR:
            self._update_connector(target_id, bodies.with_credential(body, credential))
        elif kind in DEPENDENT_KINDS:
            dependents.update(self._client, action.key, target_id, body, lookup)
        else:
            self._client.update_model(
                target_id, bodies.build_model_body(body, credential, lookup, update=True)
            )

    def _update_connector(self, connector_id: str, body: Mapping[str, Any]) -> None:
        """Update a connector whose models the plan undeployed.

        2.19 finds the models "using" a connector with a full-text match on ``connector_id``, so it can
        also name deployed models of other connectors whose ids share a term with this one. Those
        bystanders, when mlgitops owns them, are undeployed for the update and deployed again after it;
        an unowned one is never touched: the refusal then says why and what to do. A refusal naming more
        models than its (shortened) message shows is answered round by round, until the update passes.
        """
        undeployed: list[str] = []
        owned: set[str] | None = None  # the ids mlgitops owns, read at the first refusal only
        try:
            for _ in range(_BYSTANDER_ROUNDS):
                try:
                    self._client.update_connector(connector_id, body)
                    return
                except BackendRejectedError as exc:
                    named = [model_id for model_id in blocking_models(str(exc)) if model_id not in undeployed]
                    if not named:
                        raise
                    if owned is None:
                        owned = {record.resource_id for record in self._book.read_records().values()}
                    bystanders = self._owned_bystanders(connector_id, named, owned, exc)
                for model_id in named:
                    self._client.undeploy_model(model_id)
                undeployed += bystanders
            self._client.update_connector(connector_id, body)
        finally:
            for model_id in undeployed:
                self.deploy(model_id)

    def _owned_bystanders(
        self, connector_id: str, named: list[str], owned: set[str], refusal: BackendRejectedError
    ) -> list[str]:
        """The models of other connectors among ``named``; raises the refusal when one is not owned."""
        bystanders = [
            model_id
            for model_id in named
            if (self._client.get_model(model_id) or {}).get("connector_id") != connector_id
        ]
        foreign = [model_id for model_id in bystanders if model_id not in owned]
        if foreign or not bystanders:
            raise BackendRejectedError(
                f"{refusal}; models mlgitops does not own are named: {', '.join(foreign)}. ML Commons 2.19 "
                "matches connector ids as text, so deployed models of other connectors can block this "
                "update: undeploy them for the update, or set connector_change: blue_green on its models"
                if foreign
                else str(refusal),
                refusal.status,
            ) from None
        logger.warning(
            "ML Commons refused to update connector %s because of deployed models of other connectors "
            "(%s: it matches connector ids as text); undeploying them for the update, then deploying them",
            connector_id,
            ", ".join(bystanders),
        )
        return bystanders

    def deploy(self, model_id: str) -> None:
        """Deploy a model and wait until DEPLOYED (PARTIALLY_DEPLOYED is accepted with a warning)."""
        with self._deploy_slots:
            task_id, status = self._client.deploy_model(model_id)
            if task_id is not None and status != TASK_DONE:  # a task that finished at once needs no polling
                self._client.wait_for_task(task_id, self._task_timeout)
            state = self._client.wait_for_model_state(model_id, self._task_timeout)
        if state == "PARTIALLY_DEPLOYED":
            logger.warning("model %s is only partially deployed (some nodes failed)", model_id)
        elif state == "DEPLOYING":
            raise BackendUnavailableError(
                f"model {model_id} is still DEPLOYING after its deploy task finished"
            )
        elif state != "DEPLOYED":
            raise BackendRejectedError(f"model {model_id} did not deploy: state {state or 'unknown'}")

    def _delete(self, action: Action, intent: Intent, target_id: str) -> None:
        record = self._book.read_record(action.key)
        if record is not None and record.resource_id == target_id and record.protected:
            self._book.finish_intent(intent)
            raise PlanError(
                f"{action.key} is protected; remove `protected: true` and apply before deleting it"
            )
        if action.key.kind is Kind.CLUSTER_SETTINGS:
            reset = bodies.reset_settings(action.body or {})
            if reset:
                self._client.put_cluster_settings(reset)
        else:
            resources.delete_resource(self._client, action.key.kind, target_id)
        deleted = [action.key] if record is not None and record.resource_id == target_id else []
        with self._guard:
            replaced = self._replaced.pop((action.key, target_id), None)
        finished = [intent] if replaced is None else [replaced, intent]
        self._book.settle(deleted=deleted, finished=finished, wait=False)


_BYSTANDER_ROUNDS = 50  # refusals answered for one update, each naming the bystanders it shows
_BLOCKING = re.compile(
    r"models are still using this connector, please undeploy the models first: \[([^\]]*)(\])?"
)


def blocking_models(reason: str) -> list[str]:
    """The model ids a 2.19 "still using this connector" refusal of a connector update names.

    A message shortened before its closing bracket shows the complete ids only (the last one is cut).
    """
    found = _BLOCKING.search(reason)
    if found is None:
        return []
    ids = [part.strip() for part in found.group(1).split(",") if part.strip()]
    return ids if found.group(2) else ids[:-1]


def _refused(exc: BackendError) -> bool:
    """True when a create was answered with a refusal (4xx or a known transient), so nothing exists."""
    return isinstance(exc, BackendTransientError) or (exc.status is not None and 400 <= exc.status < 500)
