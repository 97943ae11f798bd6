"""Which HMAC key credential digests use: MLGITOPS_DIGEST_KEY, then the target's key, then the fallback."""

from mlgitops.service.inputs import DIGEST_KEY_ENV, FALLBACK_DIGEST_KEY, read_digest_key


class KeyedTarget:
    """A backend offering ``digest_key``; remembers how it was asked."""

    def __init__(self, key: bytes) -> None:
        self.key = key
        self.calls: list[bool] = []

    def digest_key(self, *, create: bool = False) -> bytes:
        self.calls.append(create)
        return self.key


def test_the_environment_key_wins_and_the_target_is_not_asked() -> None:
    target = KeyedTarget(b"target-key")
    assert read_digest_key(target, {DIGEST_KEY_ENV: "ci-secret"}, create=True) == b"ci-secret"
    assert target.calls == []


def test_the_target_key_is_used_without_the_environment_and_created_only_on_request() -> None:
    target = KeyedTarget(b"target-key")
    assert read_digest_key(target, {}) == b"target-key"
    assert read_digest_key(target, {DIGEST_KEY_ENV: ""}, create=True) == b"target-key"
    assert target.calls == [False, True]


def test_no_key_anywhere_falls_back_to_the_constant() -> None:
    assert read_digest_key(KeyedTarget(b""), {}) == FALLBACK_DIGEST_KEY
    assert read_digest_key(object(), {}) == FALLBACK_DIGEST_KEY
