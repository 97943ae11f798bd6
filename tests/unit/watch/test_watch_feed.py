"""ChangeFeed: batches from background sources, merged when they pile up; errors and stop reach the caller."""

import queue
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest

from mlgitops.errors import ConfigError
from mlgitops.watch import ChangeFeed

CAP_SECONDS = 10
T = TypeVar("T")


def within_cap(call: Callable[[], T]) -> T:
    """``call()`` on a helper thread: a feed that never ends fails the test instead of hanging it."""
    box: queue.Queue[tuple[bool, Any]] = queue.Queue()

    def run() -> None:
        try:
            box.put((True, call()))
        except BaseException as exc:
            box.put((False, exc))

    threading.Thread(target=run, daemon=True).start()
    try:
        ok, value = box.get(timeout=CAP_SECONDS)
    except queue.Empty:
        raise AssertionError(f"the feed did not end within {CAP_SECONDS} s") from None
    if not ok:
        raise value
    result: T = value
    return result


def test_batches_waiting_together_are_merged() -> None:
    produced = threading.Event()

    def source(stop: threading.Event) -> Iterator[frozenset[Path]]:
        yield frozenset({Path("a.yaml")})
        yield frozenset()
        yield frozenset({Path("b.yaml")})
        produced.set()

    with ChangeFeed(source) as feed:
        assert produced.wait(CAP_SECONDS)
        assert within_cap(lambda: list(feed)) == [frozenset({Path("a.yaml"), Path("b.yaml")})]


def test_batches_arriving_apart_stay_apart() -> None:
    consumed = threading.Event()

    def source(stop: threading.Event) -> Iterator[frozenset[Path]]:
        yield frozenset({Path("a.yaml")})
        assert consumed.wait(CAP_SECONDS)
        yield frozenset()

    def consume(feed: ChangeFeed) -> list[frozenset[Path]]:
        batches = []
        for batch in feed:
            batches.append(batch)
            consumed.set()
        return batches

    with ChangeFeed(source) as feed:
        batches = within_cap(lambda: consume(feed))
    assert batches == [frozenset({Path("a.yaml")}), frozenset()]


def test_an_error_in_the_source_is_raised_in_the_caller() -> None:
    def source(stop: threading.Event) -> Iterator[frozenset[Path]]:
        yield frozenset({Path("a.yaml")})
        raise ConfigError("watch limit reached")

    with ChangeFeed(source) as feed, pytest.raises(ConfigError, match="watch limit reached"):
        within_cap(lambda: list(feed))


def test_leaving_stops_the_source() -> None:
    stopped = threading.Event()

    def source(stop: threading.Event) -> Iterator[frozenset[Path]]:
        while not stop.wait(0.01):
            yield frozenset()
        stopped.set()

    with ChangeFeed(source) as feed:
        assert within_cap(lambda: next(iter(feed))) == frozenset()
    assert stopped.wait(CAP_SECONDS)


def test_several_sources_end_when_all_have_ended() -> None:
    first_done = threading.Event()

    def first(stop: threading.Event) -> Iterator[frozenset[Path]]:
        yield frozenset({Path("a.yaml")})
        first_done.set()

    def second(stop: threading.Event) -> Iterator[frozenset[Path]]:
        assert first_done.wait(CAP_SECONDS)
        yield frozenset({Path("mlgitops.yaml")})

    with ChangeFeed(first, second) as feed:
        seen = within_cap(lambda: set().union(*feed))
    assert seen == {Path("a.yaml"), Path("mlgitops.yaml")}
