"""Structural comparison of two normalised answers, and the accepted differences filter."""

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Difference:
    """One place where the engine's answer differs from the real node's."""

    path: str
    real: Any
    engine: Any

    def __str__(self) -> str:
        return f"{self.path}: real {_short(self.real)} / engine {_short(self.engine)}"


_MISSING = "<missing>"


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 160 else text[:157] + "..."


def differences(real: Any, engine: Any, path: str = "") -> Iterator[Difference]:
    """Every path where ``real`` and ``engine`` differ (mappings by key, lists by position)."""
    if isinstance(real, Mapping) and isinstance(engine, Mapping):
        for key in sorted(set(real) | set(engine)):
            yield from differences(real.get(key, _MISSING), engine.get(key, _MISSING), f"{path}.{key}")
    elif isinstance(real, list) and isinstance(engine, list) and len(real) == len(engine):
        for index, (left, right) in enumerate(zip(real, engine, strict=True)):
            yield from differences(left, right, f"{path}[{index}]")
    elif real != engine or type(real) is not type(engine):
        yield Difference(path or ".", real, engine)


def is_accepted(difference: Difference, prefixes: tuple[str, ...]) -> bool:
    """True when the difference lies under one of the accepted path prefixes (``*`` accepts all)."""
    return any(prefix == "*" or difference.path.startswith(prefix) for prefix in prefixes)
