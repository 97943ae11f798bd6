"""Stored credential values that no longer decrypt, and the resources they belong to."""

from dataclasses import dataclass

from mlgitops.engine.storage import sealing
from mlgitops.engine.storage.store import CONNECTOR_INDEX, MODEL_INDEX, Store
from mlgitops.engine.storage.vault import Vault


@dataclass(frozen=True)
class UnreadableValue:
    """One encrypted value that fails to decrypt (tampered with, or written under another key).

    ``kind`` is ``connector``, ``model`` (an inline connector's credential) or ``document`` (a sealed
    document field); ``name`` is the resource's ML Commons name or the document's ``index/id``.
    """

    owner_id: str
    credential_key: str
    kind: str
    name: str

    def describe(self) -> str:
        """``connector 'OpenAI' (id abc): credential 'openAI_key'`` and the like."""
        if self.kind == "document":
            return f"document {self.name}: sealed field '{self.credential_key}'"
        return f"{self.kind} '{self.name}' (id {self.owner_id}): credential '{self.credential_key}'"


def find_unreadable(store: Store, vault: Vault) -> list[UnreadableValue]:
    """Every stored credential value that no longer decrypts, with its owner described."""
    broken = vault.unreadable()
    found = []
    with store.read() as tx:
        for owner, key in broken:
            document = sealing.describe_owner(owner)
            if document is not None:
                found.append(UnreadableValue(owner, key, "document", document))
                continue
            for kind, index in (("connector", CONNECTOR_INDEX), ("model", MODEL_INDEX)):
                row = tx.get(index, owner)
                if row is not None:
                    found.append(UnreadableValue(owner, key, kind, str(row.source.get("name", ""))))
                    break
            else:
                found.append(UnreadableValue(owner, key, "resource", "(deleted)"))
    return found
