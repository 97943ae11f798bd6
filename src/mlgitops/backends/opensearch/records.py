"""mlgitops' bookkeeping in the target's index ``.mlgitops``: ownership records and the intent journal."""

import logging
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from mlgitops.backends.opensearch.batching import GroupWriter
from mlgitops.backends.opensearch.client import BulkOperation, Json, MLCommonsClient
from mlgitops.errors import BackendConflictError
from mlgitops.model.resources import Kind, ResourceKey
from mlgitops.plan.actions import Verb
from mlgitops.plan.state import OwnershipRecord

logger = logging.getLogger(__name__)

INDEX = ".mlgitops"
RECORD = "record"
INTENT = "intent"
DIGEST_KEY_DOC = "digest-key"


def record_id(key: ResourceKey) -> str:
    """Document id of a resource's ownership record (``record:<Kind>:<name>``)."""
    return f"{RECORD}:{key.kind.value}:{key.name}"


@dataclass(frozen=True)
class Intent:
    """A journalled mutation: written before it is sent, deleted once its record is written."""

    intent_id: str
    run_id: str
    seq: int
    verb: str
    key: ResourceKey
    ml_name: str
    time_ms: int
    resource_id: str | None = None
    group_id: str | None = None
    secret_digests: Mapping[str, str] = field(default_factory=dict)
    protected: bool = False
    committed: bool = False

    def to_source(self) -> Json:
        """The document stored in ``.mlgitops``."""
        return {
            "type": INTENT, "run_id": self.run_id, "seq": self.seq, "verb": self.verb,
            "kind": self.key.kind.value, "name": self.key.name, "ml_name": self.ml_name,
            "time_ms": self.time_ms,
            "resource_id": self.resource_id, "group_id": self.group_id,
            "secret_digests": dict(self.secret_digests), "protected": self.protected,
            "committed": self.committed,
        }  # fmt: skip

    @classmethod
    def from_source(cls, intent_id: str, source: Mapping[str, Any]) -> "Intent":
        """Parse a stored intent document."""
        return cls(
            intent_id=intent_id,
            run_id=str(source.get("run_id", "")),
            seq=int(source.get("seq", 0)),
            verb=Verb(str(source.get("verb", ""))).value,
            key=ResourceKey(Kind(source["kind"]), str(source["name"])),
            ml_name=str(source.get("ml_name", source["name"])),
            time_ms=int(source.get("time_ms", 0)),
            resource_id=source.get("resource_id"),
            group_id=source.get("group_id"),
            secret_digests=dict(source.get("secret_digests") or {}),
            protected=bool(source.get("protected", False)),
            committed=bool(source.get("committed", False)),
        )


def record_to_source(record: OwnershipRecord, now_ms: int) -> Json:
    """The stored form of an ownership record (digests are keyed HMACs, never secrets)."""
    return {
        "type": RECORD, "kind": record.key.kind.value, "name": record.key.name,
        "resource_id": record.resource_id, "secret_digests": dict(record.secret_digests),
        "protected": record.protected, "run_id": record.run_id, "updated_ms": now_ms,
    }  # fmt: skip


def record_from_source(source: Mapping[str, Any]) -> OwnershipRecord:
    """Parse a stored ownership record."""
    return OwnershipRecord(
        key=ResourceKey(Kind(source["kind"]), str(source["name"])),
        resource_id=str(source["resource_id"]),
        secret_digests=dict(source.get("secret_digests") or {}),
        protected=bool(source.get("protected", False)),
        run_id=str(source.get("run_id", "")),
    )


class Bookkeeping:
    """Reads and writes ownership records and intents through the document API."""

    def __init__(self, client: MLCommonsClient) -> None:
        """Keep the client; nothing is read until asked. Writes of concurrent steps share bulk requests."""
        self._client = client
        self._writer = GroupWriter(client)

    def read_digest_key(self, *, create: bool = False) -> bytes:
        """The target's random HMAC key for credential digests (b"" when none yet and not ``create``).

        With ``create`` a missing key is created atomically (when another run wins the race, its key
        is used); without it nothing is written, so a read-only plan works with read-only credentials.
        """
        document = self._client.get_doc(INDEX, DIGEST_KEY_DOC)
        if document is None and create:
            # Created atomically: when another run wins the race, its key is used.
            mine = secrets.token_hex(32)
            try:
                self._client.create_doc(INDEX, DIGEST_KEY_DOC, {"type": "digest-key", "key": mine})
                return bytes.fromhex(mine)
            except BackendConflictError:
                document = self._client.get_doc(INDEX, DIGEST_KEY_DOC)
        key = "" if document is None else str(document.source.get("key", ""))
        return bytes.fromhex(key) if key else b""

    def read_records(self) -> dict[ResourceKey, OwnershipRecord]:
        """Every ownership record in the target, by resource key."""
        return self.read_all()[0]

    def read_all(self) -> tuple[dict[ResourceKey, OwnershipRecord], list[Intent]]:
        """Every ownership record (by key) and every pending intent (oldest first), in one paged read."""
        self.flush()
        records: dict[ResourceKey, OwnershipRecord] = {}
        intents: list[Intent] = []
        for hit in self._client.scan_docs(INDEX, {"terms": {"type": [RECORD, INTENT]}}):
            source = hit.get("_source") or {}
            try:
                if source.get("type") == RECORD:
                    record = record_from_source(source)
                    records[record.key] = record
                elif source.get("type") == INTENT:
                    intents.append(Intent.from_source(str(hit["_id"]), source))
            except (KeyError, ValueError):
                what = "ownership record" if source.get("type") == RECORD else "intent"
                logger.warning("ignoring malformed %s %s", what, hit.get("_id"))
        intents.sort(key=lambda intent: (intent.time_ms, intent.run_id, intent.seq))
        return records, intents

    def read_record(self, key: ResourceKey) -> OwnershipRecord | None:
        """The ownership record of one resource, if any (this process's posted writes included)."""
        self.flush()
        document = self._client.get_doc(INDEX, record_id(key))
        return None if document is None else record_from_source(document.source)

    def write_record(self, record: OwnershipRecord, now_ms: int) -> None:
        """Create or replace an ownership record."""
        self.settle(records=[record], now_ms=now_ms)

    def delete_record(self, key: ResourceKey) -> None:
        """Drop an ownership record (after the resource is gone)."""
        self.settle(deleted=[key])

    def write_intent(self, intent: Intent) -> None:
        """Journal a mutation before sending it (durable on the target when this returns)."""
        self.settle(intents=[intent])

    def finish_intent(self, intent: Intent) -> None:
        """Mark a journalled mutation done (its record is written): the intent is removed."""
        self.settle(finished=[intent])

    def settle(
        self,
        *,
        records: Sequence[OwnershipRecord] = (),
        deleted: Sequence[ResourceKey] = (),
        intents: Sequence[Intent] = (),
        finished: Sequence[Intent] = (),
        now_ms: int = 0,
        wait: bool = True,
    ) -> None:
        """Write records, drop records, write intents, then drop finished intents, in that order, at once.

        The order keeps every crash point recoverable: an intent goes only after its record is in place.
        With ``wait=False`` the writes are queued and sent in the background (``flush`` waits for them):
        for writes whose loss a crash recovery repairs from an intent already on the target.
        """
        operations = [
            *(BulkOperation("index", INDEX, record_id(r.key), record_to_source(r, now_ms)) for r in records),
            *(BulkOperation("delete", INDEX, record_id(key)) for key in deleted),
            *(BulkOperation("index", INDEX, intent.intent_id, intent.to_source()) for intent in intents),
            *(BulkOperation("delete", INDEX, intent.intent_id) for intent in finished),
        ]
        if operations and wait:
            self._writer.write(operations)
        elif operations:
            self._writer.post(operations)

    def flush(self) -> None:
        """Wait until every queued bookkeeping write is on the target; raises the first that failed."""
        self._writer.flush()
