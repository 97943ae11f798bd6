"""Group commit of bookkeeping writes: concurrent steps share one ``_bulk`` request, each waits for its own.

A caller's writes are durable on the target when ``write`` returns (an intent is journalled before the
mutation it protects). While one bulk is in flight, the writes of other threads queue up, and the next
bulk carries all of them: with N steps in parallel, bookkeeping costs about one round trip per wave
instead of one per step and document.

Writes that nothing waits for (an ownership record whose intent is already journalled) are ``post``-ed:
they join the queue and a background flush sends them, off the caller's path, ``LINGER`` seconds after
the first of them (the posts of concurrent steps share its request); a waited write sent meanwhile takes
them along. ``flush`` sends them at once, waits until every posted write is on the target and raises the
first failure among them. The queue is first in, first out, so a posted write always lands before any
write queued after it.

A posted delete of a document whose posted index is still queued cancels it: neither is sent (the
intent of a quick idempotent step, closed before its linger ended, never reaches the target). Nothing
is lost by that: a posted write may be lost to a crash anyway, and the document would be gone after both.
"""

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from mlgitops.backends.opensearch import http
from mlgitops.backends.opensearch.client import BulkOperation, Json, MLCommonsClient
from mlgitops.errors import BackendError


@dataclass
class _Pending:
    operations: list[BulkOperation]
    done: bool = False
    error: BaseException | None = None
    results: list[Json] = field(default_factory=list)


def _item_error(operation: BulkOperation, result: Json) -> BackendError | None:
    status = int(result.get("status") or 0)
    if "error" not in result and (status < 400 or (operation.action == "delete" and status == 404)):
        return None
    error = result.get("error")
    reason = error.get("reason", error) if isinstance(error, dict) else error or f"HTTP {status}"
    message = f"{operation.action} {operation.index}/{operation.doc_id} failed: {http.truncate(str(reason))}"
    return http.error_class(status or 500)(message, status or None)


# How long a posted write waits for others to share its request.
LINGER = 0.05


class GroupWriter:
    """Writes lists of bulk operations; concurrent callers are batched into one request."""

    def __init__(self, client: MLCommonsClient, linger: float = LINGER) -> None:
        """Write through ``client``; posted writes are sent ``linger`` seconds after the first."""
        self._client = client
        self._linger = linger
        self._cond = threading.Condition()
        self._queue: list[_Pending] = []
        self._posted: list[_Pending] = []
        self._flushing = False
        self._lingering = False
        # Posted index operations still queued, by document: a later posted delete cancels them.
        self._cancellable: dict[tuple[str, str], tuple[_Pending, BulkOperation]] = {}

    def write(self, operations: Sequence[BulkOperation]) -> None:
        """Apply ``operations`` in order; returns once they are on the target, raises the first failure."""
        pending = _Pending(list(operations))
        with self._cond:
            for operation in operations:  # an index posted earlier must land before this write
                self._cancellable.pop((operation.index, operation.doc_id), None)
            self._queue.append(pending)
            self._drain(lambda: pending.done)
        if pending.error is not None:
            raise pending.error

    def post(self, operations: Sequence[BulkOperation]) -> None:
        """Queue ``operations`` and return at once; a background flush sends them (see ``flush``)."""
        pending = _Pending([])
        with self._cond:
            self._coalesce(pending, operations)
            self._queue.append(pending)
            self._posted.append(pending)
            if self._lingering:
                return  # the background flush on its way takes this one too
            self._lingering = True
        threading.Thread(target=self._background, name="mlgitops-bookkeeping", daemon=True).start()

    def _coalesce(self, pending: _Pending, operations: Sequence[BulkOperation]) -> None:
        """Add ``operations`` to ``pending``, dropping each delete and the queued posted index it undoes."""
        for operation in operations:
            key = (operation.index, operation.doc_id)
            earlier = self._cancellable.pop(key, None)
            if earlier is not None and operation.action == "delete":
                holder, indexed = earlier
                holder.operations = [kept for kept in holder.operations if kept is not indexed]
                continue
            pending.operations.append(operation)
            if operation.action == "index":
                self._cancellable[key] = (pending, operation)

    def flush(self) -> None:
        """Wait until every posted write is on the target; raises the first that failed (once)."""
        with self._cond:
            self._drain(lambda: not self._queue and not self._flushing)
            posted, self._posted = self._posted, []
        error = next((pending.error for pending in posted if pending.error is not None), None)
        if error is not None:
            raise error

    def _background(self) -> None:
        time.sleep(self._linger)
        with self._cond:
            self._lingering = False
            if self._queue:  # what was queued by now; later posts wait for their own linger
                last = self._queue[-1]
                self._drain(lambda: last.done)

    def _drain(self, satisfied: Callable[[], bool]) -> None:
        """Send queued batches (or wait for the flush in flight) until ``satisfied``; holds ``_cond``."""
        while not satisfied():
            if self._flushing:
                self._cond.wait()
                continue
            self._flushing = True
            batch, self._queue = self._queue, []
            self._cancellable.clear()  # what is taken is sent
            self._cond.release()
            try:
                self._send(batch)
            finally:
                self._cond.acquire()
                self._flushing = False
                self._cond.notify_all()

    def _send(self, batch: list[_Pending]) -> None:
        operations = [operation for pending in batch for operation in pending.operations]
        if not operations:
            for pending in batch:
                pending.done = True
            return
        try:
            results = self._client.bulk(operations)
        except BaseException as exc:  # every caller of the batch gets it, from write or flush
            for pending in batch:
                pending.error, pending.done = exc, True
            return
        position = 0
        for pending in batch:
            mine = results[position : position + len(pending.operations)]
            position += len(pending.operations)
            errors = [_item_error(op, result) for op, result in zip(pending.operations, mine, strict=True)]
            pending.error = next((error for error in errors if error is not None), None)
            pending.results, pending.done = mine, True
