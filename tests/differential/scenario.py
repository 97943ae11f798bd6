"""The differential scenario's machinery: steps, placeholders, and running them against one target."""

import json
import re
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

_PLACEHOLDER = re.compile(r"<<(\w+)>>")
_ID_KEYS = ("task_id", "model_id", "connector_id", "model_group_id")


@dataclass(frozen=True)
class Step:
    """One request of the scenario, answered by both targets and compared.

    ``path`` and ``body`` may hold ``<<var>>`` placeholders: ids captured from earlier answers
    (``capture`` maps a variable to a dotted path in this step's answer) and ``<<standin>>``.
    ``raw`` is a body sent as-is (malformed JSON). ``poll`` repeats a GET until the predicate holds
    (deploys finish asynchronously on a real node), recording the last answer.
    """

    name: str
    method: str
    path: str
    body: Any = None
    raw: str | None = None
    capture: Mapping[str, str] = field(default_factory=dict)
    poll: Callable[[int, Any], bool] | None = None
    recorded: bool = True


@dataclass(frozen=True)
class Answer:
    """A status and a JSON body (None when the answer has no body)."""

    status: int
    body: Any

    def to_json(self) -> dict[str, Any]:
        """The answer as stored in the recording."""
        return {"status": self.status, "body": self.body}


def fill(value: Any, variables: Mapping[str, str]) -> Any:
    """``value`` with every ``<<var>>`` placeholder replaced (recursively in mappings and lists)."""
    if isinstance(value, str):
        return _PLACEHOLDER.sub(lambda m: variables.get(m.group(1), m.group(0)), value)
    if isinstance(value, Mapping):
        return {fill(key, variables): fill(item, variables) for key, item in value.items()}
    if isinstance(value, list):
        return [fill(item, variables) for item in value]
    return value


def _send(client: httpx.Client, step: Step, variables: Mapping[str, str]) -> Answer:
    path = fill(step.path, variables)
    if step.raw is not None:
        content: bytes | None = fill(step.raw, variables).encode("utf-8")
    elif step.body is not None:
        content = json.dumps(fill(step.body, variables)).encode("utf-8")
    else:
        content = None
    headers = {"content-type": "application/json"} if content is not None else {}
    response = client.request(step.method, path, content=content, headers=headers)
    body = response.json() if response.content else None
    return Answer(response.status_code, body)


def send(client: httpx.Client, step: Step, variables: dict[str, str], *, timeout: float = 60.0) -> Answer:
    """Send one step (polling when asked) and capture its variables."""
    answer = _send(client, step, variables)
    deadline = time.monotonic() + timeout
    while step.poll is not None and not step.poll(answer.status, answer.body) and time.monotonic() < deadline:
        time.sleep(0.25)
        answer = _send(client, step, variables)
    for variable, path in step.capture.items():
        value = dig(answer.body, path)
        if isinstance(value, str):
            variables[variable] = value
    _capture_new_ids(step.name, answer.body, variables)
    return answer


def _capture_new_ids(name: str, body: Any, variables: dict[str, str]) -> None:
    """Ids in an answer that no step captured by name, so normalising still recognises them."""
    if not isinstance(body, Mapping):
        return
    known = set(variables.values())
    for key in _ID_KEYS:
        value = body.get(key)
        if isinstance(value, str) and value not in known:
            variables[f"{name}.{key}"] = value


def dig(value: Any, path: str) -> Any:
    """The value at a dotted path (``worker_node.0``), or None."""
    for part in path.split("."):
        if isinstance(value, Mapping):
            value = value.get(part)
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return None
    return value


def run(client: httpx.Client, steps: Iterable[Step], variables: dict[str, str]) -> dict[str, Answer]:
    """Send every step in order; the answers of the recorded steps by name."""
    answers: dict[str, Answer] = {}
    for step in steps:
        answer = send(client, step, variables)
        if step.recorded:
            answers[step.name] = answer
    return answers
