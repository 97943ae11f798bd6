"""run_actions: dependency order, bounded parallelism, failures skip dependents only."""

# mypy: allow-untyped-defs, allow-untyped-calls

import heapq
import threading

from mlgitops.errors import BackendRejectedError
from mlgitops.model.resources import Kind, ResourceKey
from mlgitops.plan.actions import Action, Verb
from mlgitops.plan.report import Status
from mlgitops.service import executor
from mlgitops.service.executor import GROUP_LANE_DEPTH, run_actions


def action(index: int, *depends: int) -> Action:
    return Action(index, Verb.CREATE, ResourceKey(Kind.CONNECTOR, f"c{index}"), "r", depends_on=depends)


def test_dependencies_run_before_dependents():
    order: list[int] = []
    lock = threading.Lock()

    def apply_one(item: Action) -> str:
        with lock:
            order.append(item.index)
        return f"id{item.index}"

    actions = [action(0), action(1, 0), action(2, 1), action(3)]
    results = run_actions(actions, apply_one, parallelism=3)
    assert [r.status for r in results] == [Status.DONE] * 4
    assert [r.resource_id for r in results] == ["id0", "id1", "id2", "id3"]
    assert order.index(0) < order.index(1) < order.index(2)


def test_parallelism_is_bounded_and_used():
    running, peak = 0, 0
    lock = threading.Lock()
    gate = threading.Barrier(2, timeout=10)

    def apply_one(item: Action) -> None:
        nonlocal running, peak
        with lock:
            running += 1
            peak = max(peak, running)
        if item.index < 2:
            gate.wait()  # the first two only finish when both run at the same time
        with lock:
            running -= 1

    results = run_actions([action(i) for i in range(6)], apply_one, parallelism=2)
    assert all(r.status == Status.DONE for r in results)
    assert peak == 2


def test_failure_skips_dependents_and_others_continue():
    def apply_one(item: Action) -> None:
        if item.index == 0:
            raise BackendRejectedError("boom", 400)

    seen: list[tuple[int, Status]] = []
    results = run_actions(
        [action(0), action(1, 0), action(2, 1), action(3)],
        apply_one,
        parallelism=1,
        progress=lambda r: seen.append((r.action.index, r.status)),
    )
    assert [r.status for r in results] == [Status.FAILED, Status.SKIPPED, Status.SKIPPED, Status.DONE]
    assert results[0].error == "boom"
    assert "step 0" in results[1].error and "step 1" in results[2].error
    assert sorted(seen) == sorted((r.action.index, r.status) for r in results)


def test_a_bug_in_one_step_is_reported_not_raised():
    def apply_one(item: Action) -> None:
        raise ValueError("bad")

    (result,) = run_actions([action(0)], apply_one)
    assert result.status == Status.FAILED and "ValueError" in result.error


def test_unknown_dependency_is_skipped():
    (result,) = run_actions([action(0, 7)], lambda item: None)
    assert result.status == Status.SKIPPED


def test_ready_deploys_then_registers_start_before_other_steps():
    order: list[int] = []

    def apply_one(item: Action) -> None:
        order.append(item.index)

    model = ResourceKey(Kind.MODEL, "m")
    actions = [
        action(0),
        Action(1, Verb.REGISTER, model, "r", depends_on=(0,)),
        action(2),
        Action(3, Verb.DEPLOY, model, "r"),
        Action(4, Verb.REGISTER, ResourceKey(Kind.MODEL, "n"), "r"),
        action(5),
    ]
    results = run_actions(actions, apply_one, parallelism=1)
    assert all(r.status == Status.DONE for r in results)
    assert order == [3, 4, 0, 1, 2, 5]


def test_registers_into_one_group_take_a_few_places_at_most_and_leave_the_rest_to_others():
    lock = threading.Lock()
    running: dict[str, int] = {}
    peak: dict[str, int] = {}
    others_started = threading.Event()

    def apply_one(item: Action) -> None:
        lane = str((item.body or {}).get("model_group", "connectors"))
        with lock:
            running[lane] = running.get(lane, 0) + 1
            peak[lane] = max(peak.get(lane, 0), running[lane])
        if lane == "connectors":
            others_started.set()
        else:
            others_started.wait(5)  # a waiting register must not keep a connector create from starting
            threading.Event().wait(0.02)
        with lock:
            running[lane] -= 1

    def register(index: int, group: str) -> Action:
        body = {"model_group": group}
        return Action(index, Verb.REGISTER, ResourceKey(Kind.MODEL, f"m{index}"), "r", body=body)

    actions = [*(register(i, "g") for i in range(9)), register(9, "h"), action(10), action(11)]
    results = run_actions(actions, apply_one, parallelism=6)
    assert all(r.status == Status.DONE for r in results)
    assert (peak["g"], peak["h"], peak["connectors"]) == (GROUP_LANE_DEPTH, 1, 1)


class CountingHeap:
    """``heapq`` as the executor uses it, counting pushes."""

    def __init__(self) -> None:
        self.pushes = 0

    def heappush(self, heap: list[object], item: object) -> None:
        self.pushes += 1
        heapq.heappush(heap, item)  # type: ignore[misc]

    heappop = staticmethod(heapq.heappop)
    heapify = staticmethod(heapq.heapify)


def test_registers_waiting_for_their_groups_are_not_re_sorted_after_every_step(monkeypatch):
    """Scheduling stays O(n log n): each finished register hands its place to one waiting register."""
    counting = CountingHeap()
    monkeypatch.setattr(executor, "heapq", counting)
    registers = [
        Action(i, Verb.REGISTER, ResourceKey(Kind.MODEL, f"m{i}"), "r", body={"model_group": f"g{i % 3}"})
        for i in range(1500)
    ]
    results = run_actions(registers, lambda item: None, parallelism=32)
    assert all(r.status == Status.DONE for r in results)
    assert counting.pushes <= 3 * len(registers), counting.pushes
