"""Run a plan's actions over their dependency graph with bounded parallelism.

A failed step fails nothing else by itself: its dependents (transitively) are skipped, independent
steps continue. Results come back in plan order.
"""

import heapq
import logging
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait

from mlgitops.errors import MlGitOpsError
from mlgitops.plan.actions import Action
from mlgitops.plan.report import Status, StepResult

logger = logging.getLogger(__name__)

ApplyOne = Callable[[Action], str | None]
# Requests overlap: behind network latency, throughput grows with the number of steps in flight.
DEFAULT_PARALLELISM = 32
Progress = Callable[[StepResult], None]


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
        self.ready = [index for index, count in self.waiting.items() if count == 0]
        heapq.heapify(self.ready)

    def finish(self, result: StepResult) -> None:
        index = result.action.index
        self.results[index] = result
        if self.progress is not None:
            self.progress(result)
        for dependent in self.dependents.get(index, ()):
            self.waiting[dependent] -= 1
            if self.waiting[dependent] == 0:
                heapq.heappush(self.ready, dependent)

    def blocked(self, action: Action) -> StepResult | None:
        for dep in action.depends_on:
            result = self.results[dep]
            if result.status != Status.DONE:
                why = f"skipped: step {dep} ({result.action.key}) {result.status.value}"
                return StepResult(action, Status.SKIPPED, why)
        return None

    def next_ready(self) -> Action | None:
        """The lowest-numbered ready step (steps blocked by a failure are skipped on the way)."""
        while self.ready:
            action = self.actions[heapq.heappop(self.ready)]
            skipped = self.blocked(action)
            if skipped is None:
                return action
            self.finish(skipped)
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
    with ThreadPoolExecutor(max_workers=width, thread_name_prefix="mlgitops-apply") as pool:
        running: dict[Future[StepResult], int] = {}
        while True:
            while len(running) < width:
                action = run.next_ready()
                if action is None:
                    break
                running[pool.submit(_run_one, apply_one, action)] = action.index
            if not running:
                break
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in sorted(done, key=running.__getitem__):
                running.pop(future)
                run.finish(future.result())
    missing = [index for index in run.actions if index not in run.results]
    for index in missing:  # a dependency that is not in the plan: nothing can run it
        run.results[index] = StepResult(run.actions[index], Status.SKIPPED, "skipped: unknown dependency")
        if progress is not None:
            progress(run.results[index])
    return tuple(run.results[index] for index in sorted(run.results))
