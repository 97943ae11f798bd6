"""Per-file results of parsing and validating manifests, reused while a file's bytes stay the same.

A file's result (its documents parsed, positioned and validated, with the issues found in them) depends
only on its path and text, the variables, whether literal credentials are allowed, and the code that
checks it. The cache key covers all of these, so an edited file, other variables or another mlgitops
build never reuse a result. Checks across documents (names, references, settings) are not cached:
they run on every load. A long-lived process (``watch``) keeps one ``ManifestCache`` in memory; with a
``store`` it also persists results for later runs (``cachefiles``).
"""

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Any, Protocol

from mlgitops.manifests.documents import SourcedDocument
from mlgitops.manifests.issues import Issue
from mlgitops.model.resources import ResourceKey

KEEP_AT_LEAST = 2000  # stored results kept, at least; beyond, a few per file of the last load
KEEP_PER_FILE = 4
_CHECKING_PACKAGES = ("mlgitops", "pydantic", "pydantic-core", "PyYAML", "jsonschema", "regex")


@dataclass(frozen=True)
class DocumentOutcome:
    """One document of a file: the identity it declares, its validated form (None: invalid), its issues.

    ``data`` is what was validated (variables filled), for the store to keep (None once read back).
    """

    declared: tuple[ResourceKey, ...]
    sourced: SourcedDocument | None
    issues: tuple[Issue, ...]
    data: Any = None


@dataclass(frozen=True)
class FileOutcome:
    """Everything one file contributes to a load: its documents and the problems reading it."""

    documents: tuple[DocumentOutcome, ...]
    issues: tuple[Issue, ...]
    read: int  # non-empty documents found, valid or not

    @property
    def ok(self) -> bool:
        """True when neither the file nor any of its documents has an error."""
        return not any(issue.is_error for issue in self.issues) and not any(
            doc.sourced is None or any(issue.is_error for issue in doc.issues) for doc in self.documents
        )


class OutcomeStore(Protocol):
    """Where results outlive the process (``cachefiles.DirectoryStore``)."""

    def read(self, key: str, path: Path) -> FileOutcome | None:
        """The stored result for ``key``, or None when missing, unreadable or not trusted."""

    def write(self, key: str, outcome: FileOutcome) -> None:
        """Store ``outcome`` under ``key``; failures are ignored (it is only a cache)."""

    def prune(self, keep: int) -> None:
        """Keep at most ``keep`` results, the newest."""


class ManifestCache:
    """File results by cache key, in memory and optionally in a store.

    After each load only the entries that load used stay in memory, so a watch over a changing tree
    holds one result per file, not one per version of it.
    """

    def __init__(self, store: OutcomeStore | None = None) -> None:
        """An empty cache; ``store`` persists results across processes."""
        self.store = store
        self._entries: dict[str, FileOutcome] = {}
        self._used: dict[str, FileOutcome] = {}
        self._fresh: dict[str, FileOutcome] = {}  # computed by the current load

    def __len__(self) -> int:
        """Results held in memory."""
        return len(self._entries)

    def get(self, key: str, path: Path) -> FileOutcome | None:
        """The result for ``key`` (from memory, else from the store), or None."""
        outcome = self._entries.get(key)
        if outcome is None and self.store is not None:
            outcome = self.store.read(key, path)
        if outcome is not None:
            self._used[key] = outcome
        return outcome

    def put(self, key: str, outcome: FileOutcome) -> None:
        """Remember a result computed by this load."""
        self._used[key] = outcome
        self._fresh[key] = outcome

    def finish(self, *, persist: bool) -> None:
        """End of a load: keep what it used; with ``persist`` (a load that passed), store what it computed."""
        self._entries, self._used = self._used, {}
        fresh, self._fresh = self._fresh, {}
        if self.store is not None and persist and fresh:
            for key, outcome in fresh.items():
                self.store.write(key, outcome)
            self.store.prune(max(KEEP_AT_LEAST, KEEP_PER_FILE * len(self._entries)))


def file_key(path: Path, text: str, context: str) -> str:
    """The cache key of one file's text under a load context (see ``load_context``)."""
    digest = hashlib.sha256(context.encode())
    digest.update(b"\0" + str(path).encode("utf-8", "surrogateescape") + b"\0")
    digest.update(text.encode("utf-8", "surrogateescape"))
    return digest.hexdigest()


def load_context(variables: Mapping[str, Any], allow_plaintext_credentials: bool) -> str:
    """What besides a file decides its result: the checking code, the variables, the credential rule."""
    shown = json.dumps(variables, sort_keys=True, default=repr, separators=(",", ":"))
    return f"{code_digest()}:{int(allow_plaintext_credentials)}:{hashlib.sha256(shown.encode()).hexdigest()}"


@lru_cache(maxsize=1)
def code_digest() -> str:
    """A digest of the code that parses and checks a file: versions, and our own model and checks."""
    digest = hashlib.sha256()
    for name in _CHECKING_PACKAGES:
        try:
            digest.update(f"{name}={metadata.version(name)};".encode())
        except metadata.PackageNotFoundError:
            digest.update(f"{name}=?;".encode())
    here = Path(__file__).parent
    for folder in (here, here.parent / "model"):
        for source in sorted(folder.glob("*.py")):
            digest.update(source.name.encode() + b"\0" + source.read_bytes())
    return digest.hexdigest()
