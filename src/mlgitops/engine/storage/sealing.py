"""Sealed document fields: designated secrets in plain documents are kept in the vault, not in clear.

mlgitops keeps its credential-digest HMAC key in its bookkeeping index as the document
``.mlgitops/digest-key``. On a cluster that index is protected by the cluster's own access control;
in the embedded engine the plaintext store is a file, so the key goes to the vault (AES-256-GCM under
the master key, re-encrypted on rotation) and the stored document keeps every other field. Readers of
the document API see the whole document as it was written.
"""

from collections.abc import Mapping
from typing import Any

from mlgitops.engine.storage.store import Store, Transaction
from mlgitops.engine.storage.vault import Vault

SEALED_FIELDS: Mapping[tuple[str, str], tuple[str, ...]] = {(".mlgitops", "digest-key"): ("key",)}
OWNER_PREFIX = "document:"


def owner_id(index: str, doc_id: str) -> str:
    """The vault owner id of a sealed document."""
    return f"{OWNER_PREFIX}{index}/{doc_id}"


def describe_owner(owner: str) -> str | None:
    """``index/id`` of a sealed document's owner id, or None for a resource id."""
    return owner.removeprefix(OWNER_PREFIX) if owner.startswith(OWNER_PREFIX) else None


class DocumentSealer:
    """Moves the sealed fields of designated documents into the vault and back."""

    def __init__(self, vault: Vault) -> None:
        self._vault = vault
        self._indices = frozenset(index for index, _ in SEALED_FIELDS)

    def applies_to(self, index: str) -> bool:
        """True when some document of ``index`` has sealed fields."""
        return index in self._indices

    def seal(self, tx: Transaction, index: str, doc_id: str, source: dict[str, Any]) -> dict[str, Any]:
        """The source to store in clear; its sealed string fields go to the vault."""
        fields = SEALED_FIELDS.get((index, doc_id))
        if fields is None:
            return source
        secret = {name: source[name] for name in fields if isinstance(source.get(name), str)}
        self._vault.forget(tx, owner_id(index, doc_id))
        if not secret:
            return source
        self._vault.store(tx, owner_id(index, doc_id), secret)
        return {name: value for name, value in source.items() if name not in secret}

    def unseal(self, tx: Transaction, index: str, doc_id: str, source: dict[str, Any]) -> dict[str, Any]:
        """The source as written: the stored one with its sealed fields decrypted."""
        if (index, doc_id) not in SEALED_FIELDS:
            return source
        secret = self._vault.load(tx, owner_id(index, doc_id))
        return {**source, **{name: value.get_secret_value() for name, value in secret.items()}}

    def forget(self, tx: Transaction, index: str, doc_id: str | None = None) -> None:
        """Drop the sealed fields of one document, or of every designated document of ``index``."""
        for sealed_index, sealed_id in SEALED_FIELDS:
            if sealed_index == index and doc_id in (None, sealed_id):
                self._vault.forget(tx, owner_id(sealed_index, sealed_id))


def install(store: Store, vault: Vault) -> None:
    """Seal designated documents from now on, and seal any that an older version stored in clear.

    The check reads the stored text as it is (nothing is decrypted), so an engine whose sealed value
    was damaged still opens and ``mlgitops engine check`` can name it.
    """
    with store.read() as tx:
        rows = [tx.get(index, doc_id) for index, doc_id in SEALED_FIELDS]
    in_clear = [
        row
        for row in rows
        if row is not None
        and any(isinstance(row.source.get(name), str) for name in SEALED_FIELDS[row.index, row.id])
    ]
    store.sealer = DocumentSealer(vault)
    if in_clear:
        with store.write() as tx:
            for row in in_clear:
                tx.put(row.index, row.id, row.source)
