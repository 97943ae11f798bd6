"""Validated documents with their source positions, and the set of them with every issue found."""

from dataclasses import dataclass, field
from pathlib import Path

from mlgitops.manifests.issues import Issue, Severity
from mlgitops.manifests.positions import JsonPath, Positions, format_path, parse_path
from mlgitops.model.resources import Document, Kind, ResourceKey


@dataclass(frozen=True)
class SourcedDocument:
    """A validated document and where it was written."""

    document: Document
    path: Path
    line: int
    column: int
    index: int
    positions: Positions | None = field(default=None, repr=False, compare=False)
    key: ResourceKey = field(init=False, repr=False, compare=False)  # the identity, asked for often

    def __post_init__(self) -> None:
        """Take the resource's identity (kind and logical name) from the immutable document once."""
        object.__setattr__(self, "key", self.document.key)

    @property
    def kind(self) -> Kind:
        """The document's kind."""
        return self.key.kind

    def locate(self, json_path: str) -> tuple[int, int]:
        """Line/column of a field (``spec.actions[0].url``), or of its closest written ancestor."""
        return self.locate_path(parse_path(json_path))

    def locate_path(self, path: JsonPath) -> tuple[int, int]:
        """Line/column of a field given as a path tuple."""
        if self.positions is None:
            return self.line, self.column
        return self.positions.locate(path)

    def issue(self, path: JsonPath, message: str, severity: Severity = "error") -> Issue:
        """An issue located at ``path`` inside this document."""
        line, column = self.locate_path(path)
        return Issue(str(self.path), line, column, message, severity, format_path(path), self.index)


@dataclass(frozen=True)
class ManifestSet:
    """Every document that validated, and every problem found (errors and warnings)."""

    documents: tuple[SourcedDocument, ...]
    issues: tuple[Issue, ...]
    documents_read: int = 0  # every non-empty document found, valid or not (the summary counts these)

    @property
    def errors(self) -> tuple[Issue, ...]:
        """The issues that make the set invalid."""
        return tuple(issue for issue in self.issues if issue.is_error)

    @property
    def warnings(self) -> tuple[Issue, ...]:
        """The issues that do not."""
        return tuple(issue for issue in self.issues if not issue.is_error)

    @property
    def ok(self) -> bool:
        """True when there is no error."""
        return not self.errors

    def of_kind(self, kind: Kind) -> tuple[SourcedDocument, ...]:
        """The documents of one kind, in file order."""
        return tuple(doc for doc in self.documents if doc.kind == kind)

    def get(self, key: ResourceKey) -> SourcedDocument | None:
        """The first document with this identity, if any."""
        return next((doc for doc in self.documents if doc.key == key), None)
