"""Problems found in manifests, as data: where (file, line, column, JSON path) and what."""

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any, Literal

Severity = Literal["error", "warning"]
_LINE_BREAKS = str.maketrans(
    {"\n": "\\n", "\r": "\\r", "\x85": "\\x85", "\u2028": "\\u2028", "\u2029": "\\u2029"}
)


def _one_line(text: str) -> str:
    return text.translate(_LINE_BREAKS)


@dataclass(frozen=True)
class Issue:
    """One problem, located at the offending field."""

    path: str
    line: int
    column: int
    message: str
    severity: Severity = "error"
    json_path: str = ""
    document: int = 0

    def format(self) -> str:
        """``FILE:LINE:COL: error: message`` (``FILE: error: message`` when there is no line).

        Always one line: line breaks in a quoted value or a file name are shown escaped.
        """
        where = f"{self.path}:{self.line}:{self.column}" if self.line > 0 else self.path
        return _one_line(f"{where}: {self.severity}: {self.message}")

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready mapping."""
        return asdict(self)

    @property
    def is_error(self) -> bool:
        """True for errors, False for warnings."""
        return self.severity == "error"


def sort_issues(issues: Iterable[Issue]) -> tuple[Issue, ...]:
    """Issues in file order (path, line, column), duplicates removed."""
    unique = dict.fromkeys(issues)
    return tuple(sorted(unique, key=lambda i: (i.path, i.line, i.column, i.message)))
