"""Intents of upcoming creates written together: one waited write ahead of many creates."""

import threading

import pytest

from mlgitops.backends.opensearch.applying import Applier
from mlgitops.backends.opensearch.journal import JournalAhead
from mlgitops.backends.opensearch.records import Intent
from mlgitops.backends.opensearch.tasklimits import TaskLimits
from mlgitops.errors import BackendUnavailableError
from mlgitops.model.resources import Kind, ResourceKey
from mlgitops.plan.actions import Action, Verb


class Book:
    """A fake Bookkeeping: keeps each ``settle`` call's intents; fails the writes it is told to."""

    def __init__(self, fail: int = 0) -> None:
        self.writes: list[list[str]] = []
        self.fail = fail

    def settle(self, *, intents=(), **_kwargs) -> None:
        if self.fail:
            self.fail -= 1
            raise BackendUnavailableError("target down")
        self.writes.append([intent.intent_id for intent in intents])


def create(index: int) -> Action:
    return Action(index, Verb.CREATE, ResourceKey(Kind.CONNECTOR, f"c{index}"), reason="new")


def intent_of(action: Action) -> Intent:
    return Intent(f"intent:{action.index}", "run", action.index, "create", action.key, action.key.name, 0)


def journal(ahead: JournalAhead, action: Action, known=intent_of) -> Intent:
    return ahead.journal(action, own=lambda: intent_of(action), ahead=known)


def test_the_first_create_writes_the_intents_of_the_next_ones_and_they_write_nothing() -> None:
    book = Book()
    ahead = JournalAhead(book, depth=4)  # type: ignore[arg-type]
    actions = [create(index) for index in range(10)]
    ahead.expect(actions)
    for action in actions:
        assert journal(ahead, action).intent_id == f"intent:{action.index}"
    assert book.writes == [
        ["intent:0", "intent:1", "intent:2", "intent:3"],
        ["intent:4", "intent:5", "intent:6", "intent:7"],
        ["intent:8", "intent:9"],
    ]
    assert ahead.close() == []


def test_a_create_whose_intent_is_not_known_without_reading_is_journalled_on_its_own() -> None:
    book = Book()
    ahead = JournalAhead(book, depth=8)  # type: ignore[arg-type]
    actions = [create(index) for index in range(4)]
    ahead.expect(actions)

    def known(action: Action) -> Intent | None:
        return None if action.index == 2 else intent_of(action)

    for action in actions:
        journal(ahead, action, known)
    assert book.writes == [["intent:0", "intent:1", "intent:3"], ["intent:2"]]


def test_intents_written_ahead_of_creates_that_never_ran_are_returned_to_close() -> None:
    book = Book()
    ahead = JournalAhead(book, depth=8)  # type: ignore[arg-type]
    actions = [create(index) for index in range(3)]
    ahead.expect(actions)
    journal(ahead, actions[0])
    journal(ahead, actions[2])
    assert [intent.intent_id for intent in ahead.close()] == ["intent:1"]  # its dependency failed
    assert ahead.close() == []


def test_a_failed_write_fails_its_create_and_the_others_journal_again_alone() -> None:
    book = Book(fail=1)
    ahead = JournalAhead(book, depth=8)  # type: ignore[arg-type]
    actions = [create(index) for index in range(3)]
    ahead.expect(actions)
    with pytest.raises(BackendUnavailableError):
        journal(ahead, actions[0])
    journal(ahead, actions[1])
    assert book.writes == [["intent:1"]]
    journal(ahead, actions[2])
    assert book.writes == [["intent:1"], ["intent:2"]]
    assert ahead.close() == []


def test_a_create_waits_for_the_write_carrying_its_intent() -> None:
    release = threading.Event()
    order: list[str] = []

    class SlowBook(Book):
        def settle(self, *, intents=(), **kwargs) -> None:
            release.wait(5)
            order.append("written")
            super().settle(intents=intents, **kwargs)

    ahead = JournalAhead(SlowBook(), depth=8)  # type: ignore[arg-type]
    actions = [create(index) for index in range(2)]
    ahead.expect(actions)
    first = threading.Thread(target=journal, args=(ahead, actions[0]))
    first.start()
    threading.Event().wait(0.05)
    second = threading.Thread(target=lambda: order.append(journal(ahead, actions[1]).intent_id))
    second.start()
    threading.Event().wait(0.1)
    assert order == []  # the second create's intent is in the write still in flight
    release.set()
    first.join(5)
    second.join(5)
    assert order == ["written", "intent:1"]


def model(index: int, group: str, verb: Verb = Verb.REGISTER) -> Action:
    body = {"function_name": "remote", "model_group": group, "connector": "c"}
    return Action(index, verb, ResourceKey(Kind.MODEL, f"m{index}"), reason="new", body=body)


def test_a_models_intent_is_written_ahead_only_with_a_group_id_that_is_final() -> None:
    applier = Applier(None, Book())  # type: ignore[arg-type]  # nothing here reaches the target
    replaced = Action(0, Verb.REPLACE, ResourceKey(Kind.MODEL_GROUP, "moving"), reason="changed")
    plan = [replaced, model(1, "moving"), model(2, "moving"), model(3, "kept"), model(4, "kept")]
    applier.begin(plan, {}.get, TaskLimits())
    # the replaced group's id is its old one until the replace ran: not written ahead with it
    assert applier._group_id(plan[1], lambda _key: "old-id") == "old-id"
    assert applier._intent_ahead(plan[2]) is None
    # a group the plan does not touch keeps its id for the whole apply
    assert applier._group_id(plan[3], lambda _key: "kept-id") == "kept-id"
    ahead = applier._intent_ahead(plan[4])
    assert ahead is not None and ahead.group_id == "kept-id"
    applier.end()
    assert applier._intent_ahead(plan[4]) is None  # the next apply reads it again
