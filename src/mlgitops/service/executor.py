"""Run a plan's actions over their dependency graph with bounded parallelism.

A failed step fails nothing else by itself: its dependents (transitively) are skipped, independent
steps continue. Results come back in plan order.

Among the steps ready at once, those ML Commons throttles start first: deploys (a few running deploy
tasks per node) and registers (a few running register tasks per node, one at a time per model group).
Keeping those queues busy from the first ready step is what shortens a run; other steps, connector
creates above all, fill the remaining places in plan order. A throttled step that could only wait for
the server's queue does not take a place: at most four registers per model group (one sending, the
next ones journalling their intents), ten deploys and sixteen registers in all (ML Commons runs ten
tasks of each kind per node by default; a register journals its intent before it takes a task) are
started at once; the others stay ready until one of them finishes.
"""

import contextlib
import heapq
import logging
import queue
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor

from mlgitops.errors import MlGitOpsError
from mlgitops.model.resources import Kind
from mlgitops.plan.actions import Action, Verb, model_group_of
from mlgitops.plan.report import Status, StepResult

logger = logging.getLogger(__name__)

ApplyOne = Callable[[Action], str | None]
# Requests overlap: behind network latency, throughput grows with the number of steps in flight.
DEFAULT_PARALLELISM = 32
Progress = Callable[[StepResult], None]
# Lower runs first among ready steps; every other verb ranks after these.
_THROTTLED_FIRST = {Verb.DEPLOY: 0, Verb.REGISTER: 1}


GROUP_LANE_DEPTH = 4
DEPLOY_LANE_DEPTH = 10
REGISTER_LANE_DEPTH = 16


def _priority(action: Action) -> tuple[int, int]:
    return _THROTTLED_FIRST.get(action.verb, len(_THROTTLED_FIRST)), action.index


def _lanes(action: Action) -> tuple[tuple[str, int], ...]:
    """The queues ``action`` waits in on the server, each with the number of steps worth starting."""
    if action.verb is Verb.DEPLOY:
        return (("deploy", DEPLOY_LANE_DEPTH),)
    if action.key.kind is Kind.MODEL and action.verb in (Verb.REGISTER, Verb.REPLACE):
        group = model_group_of(action)
        in_group = ((f"group:{group}", GROUP_LANE_DEPTH),) if group is not None else ()
        return (("register", REGISTER_LANE_DEPTH), *in_group)
    return ()


def _run_one(apply_one: ApplyOne, action: Action) -> StepResult:
    try:
        resource_id = apply_one(action)
    except MlGitOpsError as exc:
        logger.warning("step %d %s %s failed: %s", action.index, action.verb.value, action.key, exc)
        return StepResult(action, Status.FAILED, str(exc))
    except Exception as exc:
        logger.exception("step %d %s %s crashed", action.index, action.verb.value, action.key)
        return StepResult(action, Status.FAILED, f"internal error: {type(exc).__name__}: {exc}")
    return StepResult(action, Status.DONE, resource_id=resource_id)


class _Run:
    """Indegree bookkeeping: a step becomes ready when its last dependency has a result."""

    def __init__(self, actions: Sequence[Action], progress: Progress | None) -> None:
        self.actions = {action.index: action for action in actions}
        self.results: dict[int, StepResult] = {}
        self.progress = progress
        self.dependents: dict[int, list[int]] = {}
        self.waiting: dict[int, int] = {}
        for action in actions:
            deps = set(action.depends_on)
            self.waiting[action.index] = len(deps)
            for dep in deps:
                self.dependents.setdefault(dep, []).append(action.index)
        self.ready = [_priority(self.actions[index]) for index, count in self.waiting.items() if count == 0]
        heapq.heapify(self.ready)
        self.in_lane: dict[str, int] = {}
        self.parked: dict[str, list[tuple[int, int]]] = {}  # heaps: ready, held back by a full lane

    def finish(self, result: StepResult) -> None:
        index = result.action.index
        self.results[index] = result
        if self.progress is not None:
            self.progress(result)
        for dependent in self.dependents.get(index, ()):
            self.waiting[dependent] -= 1
            if self.waiting[dependent] == 0:
                heapq.heappush(self.ready, _priority(self.actions[dependent]))

    def release(self, action: Action) -> None:
        """A started step finished: its place in each of its lanes frees up for the best step parked there.

        One parked step per freed place goes back to the ready heap (not every parked step: with
        thousands of registers waiting for one model group, that would re-sort all of them after each
        register). A step that then waits in another full lane hands the place on (``next_ready``).
        """
        for lane, _ in _lanes(action):
            self.in_lane[lane] -= 1
            self._unpark_one(lane)

    def _unpark_one(self, lane: str) -> None:
        parked = self.parked.get(lane)
        if parked:
            heapq.heappush(self.ready, heapq.heappop(parked))

    def unpark_all(self) -> bool:
        """Every parked step back to the ready heap (when nothing runs); True when there was one."""
        entries = [entry for parked in self.parked.values() for entry in parked]
        self.parked.clear()
        for entry in entries:
            heapq.heappush(self.ready, entry)
        return bool(entries)

    def blocked(self, action: Action) -> StepResult | None:
        for dep in action.depends_on:
            result = self.results[dep]
            if result.status != Status.DONE:
                why = f"skipped: step {dep} ({result.action.key}) {result.status.value}"
                return StepResult(action, Status.SKIPPED, why)
        return None

    def next_ready(self) -> Action | None:
        """The ready step to start next (steps blocked by a failure are skipped on the way)."""
        while self.ready:
            entry = heapq.heappop(self.ready)
            action = self.actions[entry[1]]
            skipped = self.blocked(action)
            if skipped is not None:
                self.finish(skipped)
                continue
            lanes = _lanes(action)
            full = next((lane for lane, depth in lanes if self.in_lane.get(lane, 0) >= depth), None)
            if full is not None:
                heapq.heappush(self.parked.setdefault(full, []), entry)
                for lane, depth in lanes:  # a free place this step cannot use goes to the next one parked
                    if lane != full and self.in_lane.get(lane, 0) < depth:
                        self._unpark_one(lane)
                continue
            for lane, _ in lanes:
                self.in_lane[lane] = self.in_lane.get(lane, 0) + 1
            return action
        return None


def run_actions(
    actions: Sequence[Action],
    apply_one: ApplyOne,
    *,
    parallelism: int = DEFAULT_PARALLELISM,
    progress: Progress | None = None,
) -> tuple[StepResult, ...]:
    """Apply every action once its dependencies are done; returns one result per action, in order.

    Args:
        actions: the plan's actions (``depends_on`` refers to indexes among them).
        apply_one: executes one action; an MlGitOpsError marks the step failed.
        parallelism: at most this many steps run at once (at least 1).
        progress: called with each result as it is known (from the calling thread).
    """
    run = _Run(actions, progress)
    width = max(1, parallelism)
    finished: queue.SimpleQueue[StepResult] = queue.SimpleQueue()

    def work(action: Action) -> None:
        result = StepResult(action, Status.FAILED, "internal error: the step was interrupted")
        try:
            result = _run_one(apply_one, action)
        finally:
            finished.put(result)

    with ThreadPoolExecutor(max_workers=width, thread_name_prefix="mlgitops-apply") as pool:
        running = 0
        while True:
            while running < width:
                action = run.next_ready()
                if action is None:
                    break
                pool.submit(work, action)
                running += 1
            if not running:
                if run.unpark_all():
                    continue
                break
            results = [finished.get()]
            with contextlib.suppress(queue.Empty):
                while True:  # every step that finished meanwhile, handled in plan order
                    results.append(finished.get_nowait())
            running -= len(results)
            for result in sorted(results, key=lambda result: result.action.index):
                run.release(result.action)
                run.finish(result)
    missing = [index for index in run.actions if index not in run.results]
    for index in missing:  # a dependency that is not in the plan: nothing can run it
        run.results[index] = StepResult(run.actions[index], Status.SKIPPED, "skipped: unknown dependency")
        if progress is not None:
            progress(run.results[index])
    return tuple(run.results[index] for index in sorted(run.results))
