"""Answers made comparable across targets: ids, node ids, times, sequence numbers and ports replaced."""

import re
from collections.abc import Mapping
from typing import Any

# Lists whose order varies from run to run on a real node: a path's allowed methods (a hash set) and
# the models named by "still using this connector" (search hits).
_UNORDERED = re.compile(r"(allowed: |the models first: )\[([^\]]*)\]")

_TIME_KEYS = frozenset({"create_time", "last_update_time", "took"})
_COUNTER_KEYS = frozenset({"_seq_no", "_primary_term", "_score", "max_score"})


def _is_time_key(key: str) -> bool:
    return key in _TIME_KEYS or key.endswith("_time")


def _text(value: str, names: Mapping[str, str]) -> str:
    for original, name in names.items():
        if original in value:
            value = value.replace(original, name)
    return _UNORDERED.sub(lambda m: f"{m.group(1)}[{', '.join(sorted(m.group(2).split(', ')))}]", value)


def _walk(value: Any, names: Mapping[str, str]) -> Any:
    if isinstance(value, str):
        return _text(value, names)
    if isinstance(value, list):
        return [_walk(item, names) for item in value]
    if not isinstance(value, Mapping):
        return value
    out: dict[str, Any] = {}
    for key, item in value.items():
        if _is_time_key(key) and isinstance(item, int | float):
            out[key] = "<time>"
        elif key in _COUNTER_KEYS and isinstance(item, int | float):
            out[key] = "<n>"
        elif key == "index_uuid" and item != "_na_":
            out[key] = "<uuid>"
        else:
            out[_text(key, names)] = _walk(item, names)
    return out


def normalise(body: Any, variables: Mapping[str, str]) -> Any:
    """``body`` with every captured value shown as ``<<var>>`` and volatile numbers as ``<time>``/``<n>``.

    Longer values are replaced first, so an id that contains another one stays recognisable.
    """
    names = {value: f"<<{name}>>" for name, value in variables.items() if value}
    ordered = dict(sorted(names.items(), key=lambda item: -len(item[0])))
    return _walk(body, ordered)
