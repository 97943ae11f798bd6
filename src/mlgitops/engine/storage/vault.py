"""Encrypted credential store: master key handling, per-value AES-256-GCM, crash-safe key rotation."""

import logging
import os
from collections.abc import Mapping
from pathlib import Path

from pydantic import SecretStr

from mlgitops.engine.storage import crypto, keyfile
from mlgitops.engine.storage.store import Store, Transaction
from mlgitops.errors import CredentialStoreError

logger = logging.getLogger(__name__)

FINGERPRINT_META = "master_key_fingerprint"


class Vault:
    """Credentials of connectors and inline-connector models, encrypted under one master key.

    Rotation order (crash-safe): write ``master.key.new``; re-encrypt every value and record the new
    key's fingerprint in one transaction; rename ``master.key.new`` over ``master.key``. On open, a
    leftover ``master.key.new`` is promoted if the database already names it, else discarded.
    """

    def __init__(self, directory: Path, store: Store) -> None:
        self._directory = directory
        self._store = store
        self._key = b""
        self._load()

    def __repr__(self) -> str:
        return f"Vault(directory={str(self._directory)!r}, fingerprint={self.fingerprint!r})"

    @property
    def fingerprint(self) -> str:
        """The public fingerprint of the current master key."""
        return crypto.fingerprint(self._key)

    @property
    def _key_path(self) -> Path:
        return self._directory / keyfile.KEY_FILE

    @property
    def _new_key_path(self) -> Path:
        return self._directory / keyfile.NEW_KEY_FILE

    def _env_key(self) -> bytes | None:
        text = os.environ.get(keyfile.ENV_VAR)
        return None if not text else crypto.decode_key(text, keyfile.ENV_VAR)

    def _load(self) -> None:
        with self._store.write() as tx:
            recorded = tx.meta_get(FINGERPRINT_META)
            key = self._env_key() or self._file_key(recorded)
            if recorded is None:
                tx.meta_set(FINGERPRINT_META, crypto.fingerprint(key))
            elif recorded != crypto.fingerprint(key):
                source = keyfile.ENV_VAR if self._env_key() else str(self._key_path)
                raise CredentialStoreError(
                    f"the master key in {source} (fingerprint {crypto.fingerprint(key)}) is not the key the "
                    f"credential store was encrypted with (fingerprint {recorded})"
                )
            self._key = key

    def _file_key(self, recorded: str | None) -> bytes:
        current = keyfile.read_key(self._key_path)
        pending = keyfile.read_key(self._new_key_path)
        if pending is not None:
            if recorded == crypto.fingerprint(pending):
                logger.warning("finishing an interrupted master key rotation")
                keyfile.promote(self._new_key_path, self._key_path, pending)
                return pending
            keyfile.discard(self._new_key_path)
        if current is not None:
            return current
        if recorded is not None:
            raise CredentialStoreError(
                f"master key file {self._key_path} is missing; the stored credentials cannot be decrypted "
                f"without it (set {keyfile.ENV_VAR} or restore the file)"
            )
        if not keyfile.create_exclusive(self._key_path, crypto.generate_key()):
            logger.debug("another process created the master key first")
        created = keyfile.read_key(self._key_path)
        if created is None:
            raise CredentialStoreError(f"master key file {self._key_path} could not be created")
        return created

    def _check_current(self, tx: Transaction) -> None:
        """Reload the key if another process rotated it since we loaded it."""
        if tx.meta_get(FINGERPRINT_META) != self.fingerprint:
            self._load()

    def store(self, tx: Transaction, owner_id: str, credentials: Mapping[str, str | SecretStr]) -> None:
        """Encrypt and store ``credentials`` for ``owner_id`` (keys not given are kept)."""
        self._check_current(tx)
        for name, value in credentials.items():
            plain = value.get_secret_value() if isinstance(value, SecretStr) else str(value)
            aad = crypto.associated_data(owner_id, name)
            tx.put_ciphertext(owner_id, name, crypto.encrypt(self._key, plain, aad))

    def load(self, tx: Transaction, owner_id: str) -> dict[str, SecretStr]:
        """Decrypt every credential of ``owner_id``."""
        self._check_current(tx)
        return {
            name: SecretStr(self._decrypt(owner, name, token))
            for owner, name, token in tx.ciphertexts(owner_id)
        }

    def _decrypt(self, owner_id: str, name: str, token: str, key: bytes | None = None) -> str:
        aad = crypto.associated_data(owner_id, name)
        return crypto.decrypt(key or self._key, token, aad, f"{name!r} of {owner_id}")

    def forget(self, tx: Transaction, owner_id: str) -> None:
        """Delete every credential of ``owner_id``."""
        tx.delete_ciphertexts(owner_id)

    def rotate(self) -> str:
        """Re-encrypt every credential under a fresh key; returns the new key's fingerprint."""
        if self._env_key() is not None:
            raise CredentialStoreError(
                f"the master key comes from {keyfile.ENV_VAR}; unset it to rotate the key file instead"
            )
        new_key = crypto.generate_key()
        with self._store.write() as tx:
            self._check_current(tx)
            keyfile.write_replace(self._new_key_path, new_key)
            for owner, name, token in tx.ciphertexts():
                plain = self._decrypt(owner, name, token)
                aad = crypto.associated_data(owner, name)
                tx.put_ciphertext(owner, name, crypto.encrypt(new_key, plain, aad))
            tx.meta_set(FINGERPRINT_META, crypto.fingerprint(new_key))
        keyfile.promote(self._new_key_path, self._key_path, new_key)
        self._key = new_key
        logger.info("master key rotated; new fingerprint %s", self.fingerprint)
        return self.fingerprint

    def count(self) -> int:
        """How many encrypted values the store holds."""
        with self._store.read() as tx:
            return len(tx.ciphertexts())

    def unreadable(self) -> list[tuple[str, str]]:
        """``(owner_id, credential key)`` of every stored value that no longer decrypts."""
        broken = []
        with self._store.read() as tx:
            self._check_current(tx)
            for owner, name, token in tx.ciphertexts():
                try:
                    self._decrypt(owner, name, token)
                except CredentialStoreError:
                    broken.append((owner, name))
        return broken
