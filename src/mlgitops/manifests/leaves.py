"""One walk over a decoded document's values, for the cheap checks that skip work in the usual case."""

from collections.abc import Callable
from typing import Any


def any_leaf(value: Any, test: Callable[[Any], bool]) -> bool:
    """True when ``test`` holds for some value that is neither a mapping nor a list (no paths kept)."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, dict):
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
        elif test(item):
            return True
    return False
