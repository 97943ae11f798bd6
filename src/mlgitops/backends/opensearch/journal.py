"""Journal the intents of upcoming creates together: one waited write ahead of many creates.

A create's intent must be on the target before the create is sent: crash recovery adopts the resource
from it. Written one by one, that is one waited round trip in front of every create. The plan is known
before the apply starts, so when a create needs its intent, the intents of the next creates in plan
order are written in the same request, and those creates find theirs already on the target.

An intent written ahead of a create that never runs (one of its dependencies failed) is closed when the
apply ends (``close``). A crash leaves it pending, like the intent of a create that was about to be
sent: recovery finds no resource created after it and closes it.
"""

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from mlgitops.backends.opensearch.records import Bookkeeping, Intent
from mlgitops.plan.actions import Action

# Creates whose intents one write carries at most (the one that needs it, and the next ones).
AHEAD = 128


@dataclass
class _Written:
    intent: Intent
    done: threading.Event = field(default_factory=threading.Event)
    ok: bool = False


IntentOf = Callable[[Action], Intent | None]


class JournalAhead:
    """The intents of a plan's creates, written in plan order, many per request."""

    def __init__(self, book: Bookkeeping, depth: int = AHEAD) -> None:
        """Write through ``book``; each write carries up to ``depth`` intents."""
        self._book = book
        self._depth = depth
        self._lock = threading.Lock()
        self._creates: list[Action] = []
        self._cursor = 0
        self._journalled: set[int] = set()
        self._written: dict[int, _Written] = {}

    def expect(self, creates: Sequence[Action]) -> None:
        """The creates of the plan about to run, in plan order (nothing is written yet)."""
        with self._lock:
            self._creates = sorted(creates, key=lambda action: action.index)
            self._cursor = 0
            self._journalled = set()
            self._written = {}

    def journal(self, action: Action, own: Callable[[], Intent], ahead: IntentOf) -> Intent:
        """The intent of ``action``, on the target when this returns.

        ``own`` makes it (it may read the target). When no earlier write carried it, it is written
        with the intents ``ahead`` makes for the next creates of the plan (``ahead`` must not read the
        target; None leaves that create to journal on its own).
        """
        with self._lock:
            written = self._written.pop(action.index, None)
            if written is None:
                self._journalled.add(action.index)
        if written is not None:
            written.done.wait()
            if written.ok:
                return written.intent
        intent = own()
        with self._lock:
            batch = self._take_ahead(ahead)
        try:
            self._book.settle(intents=[intent, *(entry.intent for entry in batch)])
        except BaseException:
            for entry in batch:
                entry.done.set()  # not ok: each of those creates journals again on its own
            raise
        for entry in batch:
            entry.ok = True
            entry.done.set()
        return intent

    def close(self) -> list[Intent]:
        """The intents written ahead of creates that never ran (to close); forgets the plan."""
        with self._lock:
            left = [entry.intent for entry in self._written.values() if entry.ok]
            self._creates, self._cursor, self._journalled, self._written = [], 0, set(), {}
        return left

    def _take_ahead(self, ahead: IntentOf) -> list[_Written]:
        """The next ``depth`` - 1 creates not journalled yet, with their intents (holds the lock)."""
        while self._cursor < len(self._creates) and self._creates[self._cursor].index in self._journalled:
            self._cursor += 1
        batch: list[_Written] = []
        position = self._cursor
        end = min(len(self._creates), self._cursor + 2 * self._depth)  # a bounded look, whatever is skipped
        while position < end and len(batch) < self._depth - 1:
            action = self._creates[position]
            position += 1
            if action.index in self._journalled:
                continue
            intent = ahead(action)
            if intent is None:
                continue
            entry = _Written(intent)
            self._journalled.add(action.index)
            self._written[action.index] = entry
            batch.append(entry)
        return batch
