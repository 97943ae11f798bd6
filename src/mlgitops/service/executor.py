"""Run a plan's actions over their dependency graph with bounded parallelism.

A failed step fails nothing else by itself: its dependents (transitively) are skipped, independent
steps continue. Results come back in plan order.
"""

import logging
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait

from mlgitops.errors import MlGitOpsError
from mlgitops.plan.actions import Action
from mlgitops.plan.report import Status, StepResult

logger = logging.getLogger(__name__)

ApplyOne = Callable[[Action], str | None]
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
    def __init__(self, actions: Sequence[Action], progress: Progress | None) -> None:
        self.actions = {action.index: action for action in actions}
        self.results: dict[int, StepResult] = {}
        self.started: set[int] = set()
        self.progress = progress

    def finish(self, result: StepResult) -> None:
        self.results[result.action.index] = result
        if self.progress is not None:
            self.progress(result)

    def blocked(self, action: Action) -> StepResult | None:
        for dep in action.depends_on:
            result = self.results.get(dep)
            if result is not None and result.status != Status.DONE:
                why = f"skipped: step {dep} ({result.action.key}) {result.status.value}"
                return StepResult(action, Status.SKIPPED, why)
        return None

    def ready(self) -> list[Action]:
        found: list[Action] = []
        for index, action in sorted(self.actions.items()):
            if index in self.started or index in self.results:
                continue
            skipped = self.blocked(action)
            if skipped is not None:
                self.started.add(index)
                self.finish(skipped)
                return self.ready()
            if all(self.results.get(dep, None) is not None for dep in action.depends_on):
                found.append(action)
        return found


def run_actions(
    actions: Sequence[Action], apply_one: ApplyOne, *, parallelism: int = 4, progress: Progress | None = None
) -> tuple[StepResult, ...]:
    """Apply every action once its dependencies are done; returns one result per action, in order.

    Args:
        actions: the plan's actions (``depends_on`` refers to indexes among them).
        apply_one: executes one action; an MlGitOpsError marks the step failed.
        parallelism: at most this many steps run at once (at least 1).
        progress: called with each result as it is known (from the calling thread).
    """
    run = _Run(actions, progress)
    with ThreadPoolExecutor(max_workers=max(1, parallelism), thread_name_prefix="mlgitops-apply") as pool:
        running: dict[Future[StepResult], int] = {}
        while len(run.results) < len(run.actions):
            for action in run.ready():
                if len(running) >= max(1, parallelism):
                    break
                run.started.add(action.index)
                running[pool.submit(_run_one, apply_one, action)] = action.index
            if not running:
                break
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in done:
                running.pop(future)
                run.finish(future.result())
    missing = [index for index in run.actions if index not in run.results]
    for index in missing:  # a dependency that is not in the plan: nothing can run it
        run.finish(StepResult(run.actions[index], Status.SKIPPED, "skipped: unknown dependency"))
    return tuple(run.results[index] for index in sorted(run.results))
