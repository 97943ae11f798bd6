"""Names for imported resources: logical names valid for ``metadata.name`` and environment variable names.

Both are derived from what the target calls a resource, so importing the same cluster twice gives
the same names; clashes get a numeric suffix in the order the resources are met (oldest first).
"""

import re

from mlgitops.model.resources import NAME_PATTERN

MAX_NAME = 128
_NOT_NAME = re.compile(r"[^a-z0-9._-]+")
_REPEATS = re.compile(r"([._-])[._-]+")
_NOT_ENV = re.compile(r"[^A-Z0-9]+")


def build_logical_name(raw: str, fallback: str) -> str:
    """``raw`` lower-cased with every run of other characters as one ``-``; ``fallback`` when empty."""
    slug = _REPEATS.sub(r"\1", _NOT_NAME.sub("-", raw.lower())).strip("._-")
    slug = slug[:MAX_NAME].rstrip("._-")
    return slug or fallback


def is_logical_name(name: str) -> bool:
    """True when ``name`` is valid as ``metadata.name`` as it stands (a pipeline id must be)."""
    return re.fullmatch(NAME_PATTERN, name) is not None


def build_env_name(*parts: str) -> str:
    """An upper-case environment variable name from ``parts`` (``openai-chat``, ``openAI_key``)."""
    words = (_NOT_ENV.sub("_", part.upper()).strip("_") for part in parts)
    name = "_".join(word for word in words if word) or "CREDENTIAL"
    return f"X_{name}" if name[0].isdigit() else name


class NameBook:
    """Hands out unique names (one book per namespace: a kind, or environment variables)."""

    def __init__(self, taken: set[str] | None = None) -> None:
        """Start with ``taken`` names already in use."""
        self._taken: set[str] = set(taken or ())

    def claim(self, wanted: str, *, separator: str = "-") -> str:
        """``wanted``, or ``wanted-2``, ``wanted-3``... (kept within the length limit), marked as taken."""
        name = wanted
        number = 1
        while name in self._taken:
            number += 1
            suffix = f"{separator}{number}"
            name = wanted[: MAX_NAME - len(suffix)].rstrip("._-") + suffix
        self._taken.add(name)
        return name

    def reserve(self, name: str) -> bool:
        """Take exactly ``name``; False when it is already taken."""
        if name in self._taken:
            return False
        self._taken.add(name)
        return True
