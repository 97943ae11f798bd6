"""ML tasks: documents with states, a background worker, and recovery of tasks a dead process left behind."""

import logging
import os
import queue
import threading
from collections.abc import Callable, Mapping
from typing import Any

from mlgitops import processes
from mlgitops.engine.resources.responses import public, write_response
from mlgitops.engine.storage import ids, searching
from mlgitops.engine.storage.store import MODEL_INDEX, TASK_INDEX, Store, Transaction
from mlgitops.errors import EngineError

logger = logging.getLogger(__name__)

UNFINISHED = frozenset({"CREATED", "RUNNING"})
_PID_KEY = "_engine_pid"


def new_task(tx: Transaction, task_type: str, model_id: str, state: str, *, is_async: bool) -> str:
    """Record a task; returns its id."""
    now = ids.now_ms()
    source: dict[str, Any] = {
        "model_id": model_id,
        "task_type": task_type,
        "function_name": "REMOTE",
        "state": state,
        "worker_node": [ids.NODE_ID],
        "create_time": now,
        "last_update_time": now,
        "is_async": is_async,
    }
    if state in UNFINISHED:
        source[_PID_KEY] = os.getpid()
    task_id = ids.new_id()
    tx.put(TASK_INDEX, task_id, source)
    return task_id


def set_state(tx: Transaction, task_id: str, state: str, error: str | None = None) -> None:
    """Move a task to ``state`` (with an error message for FAILED)."""
    row = tx.get(TASK_INDEX, task_id)
    if row is None:
        return
    source = dict(row.source)
    source.update(state=state, last_update_time=ids.now_ms())
    if error is not None:
        source["error"] = error
    if state not in UNFINISHED:
        source.pop(_PID_KEY, None)
    tx.put(TASK_INDEX, task_id, source)


def recover(store: Store) -> int:
    """Fail tasks (and their DEPLOYING models) left unfinished by a process that no longer runs."""
    with store.write() as tx:
        orphans = [
            row
            for state in sorted(UNFINISHED)
            for row in tx.find(TASK_INDEX, "state", state)
            if not processes.is_running(row.source.get(_PID_KEY))
        ]
        for row in orphans:
            set_state(tx, row.id, "FAILED", "the engine process stopped before the task finished")
            model = tx.get(MODEL_INDEX, str(row.source.get("model_id")))
            if model is not None and model.source.get("model_state") == "DEPLOYING":
                tx.put(MODEL_INDEX, model.id, {**model.source, "model_state": "DEPLOY_FAILED"})
    if orphans:
        logger.warning("marked %d interrupted task(s) as FAILED", len(orphans))
    return len(orphans)


class TaskRunner:
    """Runs task bodies deferred (deterministic) or on one background thread (pollable, like ML Commons).

    Without a background thread a job waits until ``run_deferred``: the REST router runs the jobs
    queued before a request after answering it, so the request right after a deploy still sees the
    model DEPLOYING and its task CREATED, as a client of a real cluster does, and the next one sees
    the result.
    """

    def __init__(self, *, background: bool) -> None:
        self._background = background
        self._queue: queue.Queue[Callable[[], None] | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._deferred: list[Callable[[], None]] = []

    def deferred(self) -> int:
        """How many jobs wait for ``run_deferred``."""
        with self._lock:
            return len(self._deferred)

    def run_deferred(self, count: int | None = None) -> None:
        """Run the oldest ``count`` deferred jobs (all of them by default), in order."""
        if count == 0:
            return
        with self._lock:
            count = len(self._deferred) if count is None else min(count, len(self._deferred))
            jobs, self._deferred = self._deferred[:count], self._deferred[count:]
        for job in jobs:
            job()

    def submit(self, job: Callable[[], None]) -> None:
        """Defer ``job`` (no background thread) or queue it for the worker thread."""
        if not self._background:
            with self._lock:
                self._deferred.append(job)
            return
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._work, name="mlgitops-engine-tasks", daemon=True)
                self._thread.start()
        self._queue.put(job)

    def _work(self) -> None:
        while (job := self._queue.get()) is not None:
            try:
                job()
            except Exception:
                logger.exception("engine task failed")
            finally:
                self._queue.task_done()
        self._queue.task_done()

    def drain(self) -> None:
        """Wait until every queued (or deferred) job has finished."""
        self.run_deferred()
        self._queue.join()

    def close(self) -> None:
        """Finish queued jobs and stop the worker, so no task is left half-written."""
        self.run_deferred()
        with self._lock:
            thread, self._thread = self._thread, None
        if thread is not None:
            self._queue.put(None)
            thread.join()


class Tasks:
    """``/_plugins/_ml/tasks``."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def get(self, task_id: str) -> dict[str, Any]:
        """The task document."""
        with self._store.read() as tx:
            row = tx.get(TASK_INDEX, task_id)
        if row is None:
            raise EngineError("Failed to find task", 404, "status_exception")
        return public(row.source)

    def search(self, body: dict[str, Any] | None, params: Mapping[str, str]) -> dict[str, Any]:
        """Search tasks."""
        with self._store.read() as tx:
            return searching.search(
                lambda after: tx.rows(TASK_INDEX, after), body, params, lambda row: public(row.source)
            )

    def delete(self, task_id: str) -> dict[str, Any]:
        """Delete a task."""
        with self._store.write() as tx:
            row = tx.delete(TASK_INDEX, task_id)
        if row is None:
            raise EngineError("Failed to find task", 404, "status_exception")
        return write_response(row, "deleted")
