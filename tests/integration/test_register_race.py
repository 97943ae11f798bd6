"""Registers into one model group that overlap: the later ones fail, on the engine as on ML Commons 2.19.1.

2.19.1 reads the group, then raises its latest_version on condition of that read: a register whose read
came before another's update fails (HTTP 500) and registers nothing. mlgitops sends them one at a time.
"""

# mypy: allow-untyped-defs, allow-untyped-calls

import threading
import uuid

from targetkit import target_client, target_url_fixture  # noqa: F401 - the target_url fixture

ML = "/_plugins/_ml"
CONFLICT = (500, "status_exception", "Failed to update data object in index .plugins-ml-model-group")
AT_ONCE = 8
ROUNDS = 10


def connector(client) -> str:
    body = {
        "name": f"race-{uuid.uuid4().hex[:8]}", "version": "1", "protocol": "http", "parameters": {},
        "credential": {"key": "race-secret"},
        "actions": [{"action_type": "predict", "method": "POST", "url": "https://api.openai.com/v1/embeddings",
                     "headers": {"Authorization": "Bearer ${credential.key}"}, "request_body": "{}"}],
    }  # fmt: skip
    response = client.post(f"{ML}/connectors/_create", json=body)
    assert response.status_code == 200, response.text
    return str(response.json()["connector_id"])


def register_at_once(url: str, group_id: str, connector_id: str, prefix: str) -> list[tuple[int, str, str]]:
    """AT_ONCE registers into the group, released together; (status, error type, reason) of each."""
    barrier = threading.Barrier(AT_ONCE, timeout=30)
    answers: list[tuple[int, str, str]] = []

    def register(index: int) -> None:
        body = {"name": f"{prefix}-{index}", "function_name": "remote", "model_group_id": group_id,
                "connector_id": connector_id}  # fmt: skip
        with target_client(url) as client:
            barrier.wait()
            response = client.post(f"{ML}/models/_register", json=body)
        error = response.json().get("error") or {}
        answers.append((response.status_code, str(error.get("type", "")), str(error.get("reason", ""))))

    threads = [threading.Thread(target=register, args=(index,)) for index in range(AT_ONCE)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return answers


def test_overlapping_registers_into_one_group_conflict_and_register_nothing(target_url):
    prefix = f"race-{uuid.uuid4().hex[:8]}"
    with target_client(target_url) as client:
        group = client.post(f"{ML}/model_groups/_register", json={"name": prefix})
        assert group.status_code == 200, group.text
        group_id = str(group.json()["model_group_id"])
        connector_id = connector(client)
        answers: list[tuple[int, str, str]] = []
        for round_ in range(ROUNDS):  # overlap is up to the scheduler: until one round shows a conflict
            answers += register_at_once(target_url, group_id, connector_id, f"{prefix}-{round_}")
            if CONFLICT in answers:
                break
        assert CONFLICT in answers
        assert {answer for answer in answers if answer[0] != 200} == {CONFLICT}
        registered = sum(answer[0] == 200 for answer in answers)
        assert client.get(f"{ML}/model_groups/{group_id}").json()["latest_version"] == registered
        query = {"query": {"term": {"model_group_id": group_id}}, "size": 1000}
        client.post("/.plugins-ml-model/_refresh")
        hits = client.post(f"{ML}/models/_search", json=query).json()["hits"]["hits"]
        assert len(hits) == registered
