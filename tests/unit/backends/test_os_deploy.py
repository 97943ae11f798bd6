"""Deploy choreography against a scripted target: task wait, model state polling, partial/failed deploys."""

import json
import logging
import threading
import time

import httpx
import pytest

from mlgitops.backends.opensearch.applying import Applier
from mlgitops.backends.opensearch.client import MLCommonsClient
from mlgitops.backends.opensearch.records import Bookkeeping
from mlgitops.backends.opensearch.tasklimits import HIGHEST as TASK_SLOTS
from mlgitops.backends.opensearch.tasklimits import TaskLimits
from mlgitops.errors import BackendRejectedError, BackendUnavailableError
from mlgitops.model.resources import Kind, ResourceKey
from mlgitops.plan.actions import Action, Verb


def applier_for(states, deploy_status="CREATED", seen=None):
    script = iter(states)
    sleeps = []

    def handler(request):
        path = request.url.path
        if seen is not None:
            seen.append(path)
        if path.endswith("/_deploy"):
            return httpx.Response(200, json={"task_id": "t1", "status": deploy_status})
        if path.startswith("/_plugins/_ml/tasks/"):
            return httpx.Response(200, json={"state": "COMPLETED", "model_id": "m1"})
        return httpx.Response(200, json={"name": "m", "model_state": next(script)})

    now = [0.0]

    def sleep(pause):
        sleeps.append(pause)
        now[0] += pause

    client = MLCommonsClient(
        httpx.Client(transport=httpx.MockTransport(handler), base_url="http://t"),
        sleep=sleep,
        clock=lambda: now[0],
    )
    return Applier(client, Bookkeeping(client), task_timeout=1.0), sleeps


def test_deploy_waits_while_the_model_is_deploying():
    applier, sleeps = applier_for(["DEPLOYING", "DEPLOYING", "DEPLOYED"])
    applier.deploy("m1")
    assert sleeps == [0.005, 0.01, 0.02]  # a pause before each poll, doubling


def test_the_first_state_poll_waits_for_the_deploy_to_run():
    applier, sleeps = applier_for(["DEPLOYED"], deploy_status="COMPLETED")
    applier.deploy("m1")
    assert sleeps == [0.005]  # not polled in the same instant the deploy was answered


def test_partially_deployed_is_accepted_with_a_warning(caplog):
    applier, _ = applier_for(["PARTIALLY_DEPLOYED"])
    with caplog.at_level(logging.WARNING):
        applier.deploy("m1")
    assert "partially deployed" in caplog.text


def test_failed_deploy_is_an_error():
    applier, _ = applier_for(["DEPLOY_FAILED"])
    with pytest.raises(BackendRejectedError, match="DEPLOY_FAILED"):
        applier.deploy("m1")


def test_a_deploy_stuck_in_deploying_times_out():
    applier, _ = applier_for(["DEPLOYING"] * 100)
    with pytest.raises(BackendUnavailableError, match="still DEPLOYING"):
        applier.deploy("m1")


@pytest.mark.parametrize(("status", "polls"), [("CREATED", 1), ("COMPLETED", 0)])
def test_the_task_is_polled_only_when_the_deploy_answer_is_not_final(status, polls):
    seen: list[str] = []
    applier, _ = applier_for(["DEPLOYED"], deploy_status=status, seen=seen)
    applier.deploy("m1")
    assert sum(path.startswith("/_plugins/_ml/tasks/") for path in seen) == polls
    assert seen[-1] == "/_plugins/_ml/models/m1"  # the model's state is checked either way


@pytest.mark.parametrize("groups", [24, 1])
def test_registers_hold_at_most_task_slots_and_one_request_per_group(groups):
    lock = threading.Lock()
    tasks = [0, 0]  # registered and not yet finished: now, most
    requests: dict[str, list[int]] = {}  # per group: register requests in flight now, most
    polls: list[str] = []

    def handler(request):
        path = request.url.path
        if path == "/_bulk":
            lines = [json.loads(line) for line in request.content.decode().splitlines()]
            items = [
                {next(iter(line)): {"status": 200}} for line in lines if set(line) <= {"index", "delete"}
            ]
            return httpx.Response(200, json={"errors": False, "items": items})
        if path.endswith("/_register"):
            group = json.loads(request.content)["model_group_id"]
            with lock:
                counts = requests.setdefault(group, [0, 0])
                counts[0] += 1
                counts[1] = max(counts)
                tasks[0] += 1
                tasks[1] = max(tasks)
            time.sleep(0.02)
            with lock:  # 2.19.1 drops a remote register's task from the running ones before it answers
                counts[0] -= 1
                tasks[0] -= 1
            return httpx.Response(200, json={"task_id": "t", "model_id": "m"})
        if path.startswith("/_plugins/_ml/tasks/"):
            polls.append(path)
            return httpx.Response(200, json={"state": "COMPLETED", "model_id": "m"})
        return httpx.Response(404, json={})

    client = MLCommonsClient(httpx.Client(transport=httpx.MockTransport(handler), base_url="http://t"))
    applier = Applier(client, Bookkeeping(client))
    ids = {ResourceKey(Kind.CONNECTOR, "c"): "cid"}
    ids |= {ResourceKey(Kind.MODEL_GROUP, f"g{n}"): f"gid{n}" for n in range(groups)}
    actions = [
        Action(
            n,
            Verb.REGISTER,
            ResourceKey(Kind.MODEL, f"m{n}"),
            "new",
            body={"function_name": "remote", "model_group": f"g{n % groups}", "connector": "c"},
        )
        for n in range(24)
    ]
    threads = [
        threading.Thread(target=applier.apply, args=(action,), kwargs={"secrets": {}, "resolve": ids.get})
        for action in actions
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert (1 < tasks[1] <= TASK_SLOTS) if groups > 1 else tasks[1] == 1
    assert all(most == 1 for _, most in requests.values())
    assert polls == []  # the answer names the model: its task is not polled


def test_registers_waiting_for_their_tasks_do_not_hold_up_a_deploy():
    """ML Commons counts running register and deploy tasks apart: each kind has its own slots."""
    release = threading.Event()
    waiting = threading.Semaphore(0)

    def handler(request):
        path = request.url.path
        if path == "/_plugins/_ml/tasks/registering":
            waiting.release()
            release.wait(10)
            return httpx.Response(200, json={"state": "COMPLETED", "model_id": "m"})
        if path.endswith("/_register"):
            return httpx.Response(200, json={"task_id": "registering"})
        if path.endswith("/_deploy"):
            return httpx.Response(200, json={"task_id": "d", "status": "COMPLETED"})
        return httpx.Response(200, json={"model_state": "DEPLOYED"})

    client = MLCommonsClient(httpx.Client(transport=httpx.MockTransport(handler), base_url="http://t"))
    applier = Applier(client, Bookkeeping(client))
    registers = [
        threading.Thread(target=applier._register_model, args=({"model_group_id": f"g{n}"},))
        for n in range(TASK_SLOTS)
    ]
    for thread in registers:
        thread.start()
    try:
        for _ in registers:
            assert waiting.acquire(timeout=10)  # every register slot is held by a task wait
        deploy = threading.Thread(target=applier.deploy, args=("m1",))
        deploy.start()
        deploy.join(5)
        assert not deploy.is_alive()
    finally:
        release.set()
        for thread in registers:
            thread.join(10)


def test_deploys_awaiting_confirmation_stay_within_the_targets_task_limit():
    lock = threading.Lock()
    unconfirmed = [0, 0]  # deployed and not yet seen DEPLOYED: now, most

    def handler(request):
        if request.url.path.endswith("/_deploy"):
            with lock:
                unconfirmed[0] += 1
                unconfirmed[1] = max(unconfirmed)
            return httpx.Response(200, json={"task_id": "d", "status": "COMPLETED"})
        time.sleep(0.02)
        with lock:
            unconfirmed[0] -= 1
        return httpx.Response(200, json={"model_state": "DEPLOYED"})

    client = MLCommonsClient(httpx.Client(transport=httpx.MockTransport(handler), base_url="http://t"))
    applier = Applier(client, Bookkeeping(client))
    applier.begin([], {}.get, TaskLimits(register=10, deploy=2))  # the target runs 2 deploy tasks per node
    threads = [threading.Thread(target=applier.deploy, args=(f"m{n}",)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert unconfirmed == [0, 2]
