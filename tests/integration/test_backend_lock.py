"""The target lock and the digest key, stored in the local engine's ``.mlgitops`` index."""

import contextlib
import threading

import pytest

from mlgitops.backends.opensearch.backend import OpenSearchBackend
from mlgitops.backends.opensearch.locking import LOCK_DOC, TargetLock
from mlgitops.backends.opensearch.records import INDEX
from mlgitops.cli.wiring import open_backend
from mlgitops.errors import LockError


@pytest.fixture
def target(tmp_path):
    return f"local:{tmp_path / 'engine'}"


def lock_of(backend, **kwargs):
    return TargetLock(backend.client, **kwargs)


def test_a_held_lock_names_its_holder_and_the_unlock_command(target):
    with open_backend(target) as backend:
        held = backend.acquire_lock("run-a", "alice@ci")
        with pytest.raises(LockError) as caught:
            backend.acquire_lock("run-b", "bob@laptop")
    message = str(caught.value)
    assert "alice@ci" in message and "run-a" in message and held.created in message
    assert f"mlgitops unlock {held.lock_id}" in message


def test_release_frees_the_lock_and_ignores_other_ids(target):
    with open_backend(target) as backend:
        held = backend.acquire_lock("run-a", "alice@ci")
        backend.release_lock("not-mine")
        with pytest.raises(LockError):
            backend.acquire_lock("run-b", "bob@laptop")
        backend.release_lock(held.lock_id)
        assert backend.acquire_lock("run-b", "bob@laptop").holder == "bob@laptop"


def test_release_after_a_takeover_leaves_the_new_holders_lock_in_one_conditional_delete(target):
    now = [1000.0]
    with open_backend(target) as backend:
        first = lock_of(backend, clock=lambda: now[0], host="h1")
        held = first.acquire("run-a", "alice", ttl_seconds=60)
        now[0] += 61  # expired: another host takes it over while alice still thinks she holds it
        taken = lock_of(backend, clock=lambda: now[0], host="h2").acquire("run-b", "bob")
        sent = []
        original = backend.client.request

        def counting(method, path, **kwargs):
            sent.append((method, path))
            return original(method, path, **kwargs)

        backend.client.request = counting
        first.release(held.lock_id)
        assert [method for method, _ in sent] == ["DELETE"]
        backend.client.request = original
        current = first.current()
        assert current is not None and current.lock_id == taken.lock_id


def test_breaking_needs_the_exact_lock_id(target):
    with open_backend(target) as backend:
        held = backend.acquire_lock("run-a", "alice@ci")
        with pytest.raises(LockError, match="does not match"):
            backend.break_lock(held.lock_id[:-1])
        assert backend.break_lock(held.lock_id).run_id == "run-a"
        with pytest.raises(LockError, match="not locked"):
            backend.break_lock(held.lock_id)
        backend.acquire_lock("run-b", "bob@laptop")


def test_a_lock_whose_process_died_on_this_host_is_taken_over(target):
    with open_backend(target) as backend:
        lock_of(backend, host="ci-runner", pid=4242).acquire("run-a", "alice@ci")
        alive = lock_of(backend, host="ci-runner", pid=1, is_alive=lambda pid: True)
        with pytest.raises(LockError):
            alive.acquire("run-b", "bob")
        other_host = lock_of(backend, host="elsewhere", pid=1, is_alive=lambda pid: False)
        with pytest.raises(LockError):
            other_host.acquire("run-b", "bob")
        dead = lock_of(backend, host="ci-runner", pid=1, is_alive=lambda pid: pid != 4242)
        assert dead.acquire("run-b", "bob").run_id == "run-b"


@pytest.mark.parametrize("pid", [0, -1, True, None])
def test_a_lock_of_this_host_without_a_usable_pid_is_taken_over_once_expired(target, pid):
    """No recorded process to ask about: the holder counts as alive until the TTL runs out."""
    now = [1000.0]
    with open_backend(target) as backend:
        held = lock_of(backend, clock=lambda: now[0], host="h", pid=pid).acquire(
            "run-a", "alice", ttl_seconds=60
        )
        if pid is None:  # a lock document with no pid at all
            source = {**backend.client.get_doc(INDEX, LOCK_DOC).source}
            del source["pid"]
            backend.client.put_doc(INDEX, LOCK_DOC, source)
        with pytest.raises(LockError, match=held.lock_id):
            lock_of(backend, clock=lambda: now[0], host="h").acquire("run-b", "bob")
        now[0] += 61
        assert lock_of(backend, clock=lambda: now[0], host="h").acquire("run-b", "bob").holder == "bob"


def test_an_expired_lock_is_taken_over(target):
    now = [1000.0]
    with open_backend(target) as backend:
        lock_of(backend, clock=lambda: now[0], host="h1").acquire("run-a", "alice", ttl_seconds=60)
        with pytest.raises(LockError):
            lock_of(backend, clock=lambda: now[0], host="h2").acquire("run-b", "bob")
        now[0] += 61
        assert lock_of(backend, clock=lambda: now[0], host="h2").acquire("run-b", "bob").holder == "bob"


def race(locks):
    """Every lock acquires at the same moment (behind a barrier); what each got, None when refused."""
    results = [None] * len(locks)
    barrier = threading.Barrier(len(locks))

    def contend(n):
        barrier.wait()
        with contextlib.suppress(LockError):
            results[n] = locks[n].acquire(f"run-{n}", f"user{n}")

    threads = [threading.Thread(target=contend, args=(n,)) for n in range(len(locks))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_concurrent_acquirers_get_exactly_one_lock(target):
    with open_backend(target) as backend:
        results = race([lock_of(backend, host="h", pid=n, is_alive=lambda pid: True) for n in range(4)])
    assert len([r for r in results if r is not None]) == 1


def test_the_digest_key_is_random_per_target_and_stable(tmp_path):
    with open_backend(f"local:{tmp_path / 'a'}") as first:
        assert first.digest_key() == b""  # reading never creates it
        key = first.digest_key(create=True)
        assert len(key) == 32
        assert first.digest_key(create=True) == key
    with open_backend(f"local:{tmp_path / 'a'}") as again:
        assert again.digest_key() == key
    with open_backend(f"local:{tmp_path / 'b'}") as other:
        assert isinstance(other, OpenSearchBackend)
        assert other.digest_key(create=True) != key


def test_a_new_digest_key_is_known_once_created_without_reading_it_back(tmp_path):
    sent: list[str] = []
    with open_backend(f"local:{tmp_path / 'a'}") as backend:
        assert isinstance(backend, OpenSearchBackend)
        backend.client._http.event_hooks["request"].append(lambda r: sent.append(f"{r.method} {r.url.path}"))
        key = backend.digest_key(create=True)
        assert sent.count("GET /.mlgitops/_doc/digest-key") == 1
        assert sent[-1] == "PUT /.mlgitops/_create/digest-key"
        assert backend.digest_key() == key


def test_racing_takeovers_of_a_stale_lock_leave_one_holder(target):
    with open_backend(target) as backend:
        lock_of(backend, host="h", pid=99).acquire("run-dead", "ghost")
        results = race([lock_of(backend, host="h", pid=n, is_alive=lambda pid: pid != 99) for n in range(4)])
        winners = [info.lock_id for info in results if info is not None]
        assert len(winners) == 1
        held = backend.client.get_doc(".mlgitops", "lock")
        assert held is not None
        assert held.source["lock_id"] == winners[0]


def test_renewing_keeps_a_lock_from_expiring(target):
    now = [1000.0]
    with open_backend(target) as backend:
        holder = lock_of(backend, clock=lambda: now[0], host="h1")
        held = holder.acquire("run-a", "alice", ttl_seconds=60)
        now[0] += 50
        holder.renew(held.lock_id)
        now[0] += 50  # 100 s after creation, 50 s after the renewal
        with pytest.raises(LockError, match="alice"):
            lock_of(backend, clock=lambda: now[0], host="h2").acquire("run-b", "bob")
        now[0] += 11
        assert lock_of(backend, clock=lambda: now[0], host="h2").acquire("run-b", "bob").holder == "bob"
        with pytest.raises(LockError, match=r"taken over.*bob"):
            holder.renew(held.lock_id)


def test_renewing_a_broken_lock_fails(target):
    with open_backend(target) as backend:
        held = backend.acquire_lock("run-a", "alice@ci")
        backend.break_lock(held.lock_id)
        with pytest.raises(LockError, match="broken"):
            backend.renew_lock(held.lock_id)


def test_an_expired_lock_of_a_live_process_on_this_host_is_not_taken_over(target):
    now = [1000.0]
    with open_backend(target) as backend:
        lock_of(backend, clock=lambda: now[0], host="h1", pid=7).acquire("run-a", "alice", ttl_seconds=60)
        now[0] += 3600
        alive = lock_of(backend, clock=lambda: now[0], host="h1", pid=8, is_alive=lambda pid: True)
        with pytest.raises(LockError, match="alice"):
            alive.acquire("run-b", "bob")
