"""ReadCache: a value read from the store is reused until the database changes, through any connection."""

from pathlib import Path

import pytest

from mlgitops.engine.storage.readcache import ReadCache
from mlgitops.engine.storage.store import Store


class Reader:
    """Loads one setting from a store and counts the loads."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.loads = 0

    def __call__(self) -> object:
        self.loads += 1
        with self.store.read() as tx:
            return tx.settings("persistent").get("k")


def put(store: Store, value: object) -> None:
    with store.write() as tx:
        tx.set_setting("persistent", "k", value)


def test_a_value_is_loaded_once_while_nothing_changes(tmp_path: Path) -> None:
    store = Store(tmp_path / "db")
    put(store, 1)
    cache, reader = ReadCache(store), Reader(store)
    assert [cache.get("k", reader) for _ in range(3)] == [1, 1, 1]
    assert reader.loads == 1
    store.close()


def test_writes_through_this_or_another_connection_are_seen_next_time(tmp_path: Path) -> None:
    store, other = Store(tmp_path / "db"), Store(tmp_path / "db")
    put(store, 1)
    cache, reader = ReadCache(store), Reader(store)
    assert cache.get("k", reader) == 1
    put(other, 2)
    assert cache.get("k", reader) == 2
    put(store, 3)
    assert cache.get("k", reader) == 3
    assert reader.loads == 3
    store.close()
    other.close()


def test_what_an_open_transaction_saw_is_not_kept_after_its_rollback(tmp_path: Path) -> None:
    store = Store(tmp_path / "db")
    put(store, "committed")
    cache, reader = ReadCache(store), Reader(store)
    with pytest.raises(RuntimeError), store.write() as tx:
        tx.set_setting("persistent", "k", "rolled back")
        assert cache.get("k", reader) == "rolled back"
        raise RuntimeError
    assert cache.get("k", reader) == "committed"
    store.close()


def test_a_failed_load_is_not_kept(tmp_path: Path) -> None:
    store = Store(tmp_path / "db")
    cache = ReadCache(store)

    def failing() -> object:
        raise LookupError("missing")

    with pytest.raises(LookupError):
        cache.get("k", failing)
    assert cache.get("k", lambda: "loaded") == "loaded"
    store.close()
