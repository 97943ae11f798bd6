"""Crash recovery: finish or undo the intents a killed run left in the journal, before planning.

A create whose resource exists without a record is adopted (found by ML name, model group for models,
and created after the intent was written); extra copies from repeated crashes are deleted. A replace
that never moved its record is undone; one that did has its old resource deleted. A delete whose
resource is gone has its record dropped. Updates, deploys and undeploys are idempotent: the next plan
redoes them, so their intents are simply closed.
"""

import logging
from collections.abc import Callable

from mlgitops.backends.base import RecoveryReport
from mlgitops.backends.opensearch import resources
from mlgitops.backends.opensearch.client import MLCommonsClient
from mlgitops.backends.opensearch.records import Bookkeeping, Intent
from mlgitops.errors import BackendError
from mlgitops.model.resources import Kind
from mlgitops.plan.actions import Verb
from mlgitops.plan.state import OwnershipRecord

logger = logging.getLogger(__name__)

# Clock skew allowed between this machine (intent time) and the target (created_time).
SKEW_MS = 60_000


class Recovery:
    """Recovers pending intents of one target."""

    def __init__(self, client: MLCommonsClient, book: Bookkeeping, now_ms: Callable[[], int]) -> None:
        """Bind to a target."""
        self._client = client
        self._book = book
        self._now_ms = now_ms
        self._steps: list[str] = []
        self._owned: set[str] = set()

    def run(self) -> RecoveryReport:
        """Recover every pending intent, oldest first; returns what was done."""
        self._steps = []
        records, intents = self._book.read_all()  # one paged read; adoptions below keep it current
        self._owned = {record.resource_id for record in records.values()}
        for intent in intents:
            if self._recover(intent):
                self._book.finish_intent(intent)
        for step in self._steps:
            logger.warning("recovery: %s", step)
        return RecoveryReport(tuple(self._steps))

    def _recover(self, intent: Intent) -> bool:
        """Handle one intent; False keeps it pending (to retry on the next run)."""
        verb = Verb(intent.verb)
        if verb in (Verb.CREATE, Verb.REGISTER):
            self._recover_create(intent)
        elif verb is Verb.REPLACE:
            return self._recover_replace(intent)
        elif verb is Verb.DELETE:
            self._recover_delete(intent)
        return True

    def _candidates(self, intent: Intent) -> list[str]:
        """Unowned resources this intent may have created: same name (and group), created after it."""
        owned = self._owned
        found = []
        for resource_id, document in resources.find_by_name(self._client, intent.key.kind, intent.ml_name):
            created = int(document.get("created_time") or 0)
            # A pipeline has no timestamp; its id is the intent's name, free when the plan was made.
            fresh = created >= intent.time_ms - SKEW_MS or "created_time" not in document
            same_group = intent.group_id is None or document.get("model_group_id") in (None, intent.group_id)
            if resource_id not in owned and fresh and same_group:
                found.append(resource_id)
        return found

    def _alive_record(self, intent: Intent) -> OwnershipRecord | None:
        record = self._book.read_record(intent.key)
        if record is None:
            return None
        if intent.key.kind is Kind.CLUSTER_SETTINGS:
            return record
        alive = resources.get_resource(self._client, intent.key.kind, record.resource_id) is not None
        return record if alive else None

    def _recover_create(self, intent: Intent) -> None:
        if intent.key.kind is Kind.CLUSTER_SETTINGS:
            if self._book.read_record(intent.key) is None:
                self._adopt(intent, resources.SETTINGS_ID)
            return
        candidates = self._candidates(intent)
        if self._alive_record(intent) is None and candidates:
            self._adopt(intent, candidates.pop(0))
        self._delete_all(intent, candidates)

    def _recover_replace(self, intent: Intent) -> bool:
        record = self._alive_record(intent)
        if record is None or record.resource_id == intent.resource_id:
            self._delete_all(intent, self._candidates(intent))  # the replacement never committed: undo it
            return True
        self._delete_all(intent, self._candidates(intent))
        if intent.resource_id is None:
            return True
        return self._delete(intent, intent.resource_id, "replaced")

    def _recover_delete(self, intent: Intent) -> None:
        record = self._book.read_record(intent.key)
        if record is None or record.resource_id != intent.resource_id:
            return
        gone = intent.key.kind is not Kind.CLUSTER_SETTINGS and (
            resources.get_resource(self._client, intent.key.kind, record.resource_id) is None
        )
        if gone:
            self._book.delete_record(intent.key)
            self._steps.append(f"{intent.key}: dropped the record of deleted {record.resource_id}")

    def _adopt(self, intent: Intent, resource_id: str) -> None:
        record = OwnershipRecord(
            intent.key, resource_id, intent.secret_digests, intent.protected, intent.run_id
        )
        self._book.write_record(record, self._now_ms())
        self._owned.add(resource_id)
        self._steps.append(f"{intent.key}: adopted {resource_id} created by interrupted run {intent.run_id}")

    def _delete_all(self, intent: Intent, resource_ids: list[str]) -> None:
        for resource_id in resource_ids:
            self._delete(intent, resource_id, "duplicate")

    def _delete(self, intent: Intent, resource_id: str, what: str) -> bool:
        try:
            resources.delete_resource(self._client, intent.key.kind, resource_id)
        except BackendError as exc:
            self._steps.append(f"{intent.key}: could not delete {what} {resource_id} yet ({exc}); will retry")
            return False
        self._steps.append(
            f"{intent.key}: deleted {what} {resource_id} left by interrupted run {intent.run_id}"
        )
        return True
