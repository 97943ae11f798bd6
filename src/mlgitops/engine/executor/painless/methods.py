"""The Java methods and fields the Painless subset allows on strings, lists, maps and StringBuilder."""

from collections.abc import Callable
from typing import Any

from mlgitops.engine.executor.javafmt import java_string
from mlgitops.errors import EngineError

Fail = Callable[[str], EngineError]


class StringBuilder:
    """``java.lang.StringBuilder``: ``append`` returns itself, ``toString`` joins."""

    def __init__(self, initial: str = "") -> None:
        self.parts = [initial] if initial else []

    def append(self, value: Any) -> "StringBuilder":
        self.parts.append(java_string(value))
        return self

    def __str__(self) -> str:
        return "".join(self.parts)


def _string_method(text: str, name: str, args: list[Any]) -> Any:
    table: dict[str, Callable[[], Any]] = {
        "length": lambda: len(text),
        "isEmpty": lambda: not text,
        "toString": lambda: text,
        "trim": text.strip,
        "toLowerCase": text.lower,
        "toUpperCase": text.upper,
        "substring": lambda: text[args[0] : args[1]] if len(args) > 1 else text[args[0] :],
        "contains": lambda: java_string(args[0]) in text,
        "startsWith": lambda: text.startswith(java_string(args[0])),
        "endsWith": lambda: text.endswith(java_string(args[0])),
        "indexOf": lambda: text.find(java_string(args[0])),
        "replace": lambda: text.replace(java_string(args[0]), java_string(args[1])),
        "equals": lambda: text == args[0],
        "charAt": lambda: text[args[0]],
    }
    return table[name]()


def _add(items: list[Any], value: Any) -> bool:
    items.append(value)
    return True


def _add_all(items: list[Any], values: Any) -> bool:
    items.extend(values)
    return True


def _list_method(items: list[Any], name: str, args: list[Any]) -> Any:
    table: dict[str, Callable[[], Any]] = {
        "size": lambda: len(items),
        "isEmpty": lambda: not items,
        "get": lambda: items[args[0]],
        "add": lambda: _add(items, args[0]),
        "addAll": lambda: _add_all(items, args[0]),
        "contains": lambda: args[0] in items,
        "indexOf": lambda: items.index(args[0]) if args[0] in items else -1,
        "toString": lambda: java_string(items),
        "equals": lambda: items == args[0],
    }
    return table[name]()


def _map_method(mapping: dict[Any, Any], name: str, args: list[Any]) -> Any:
    table: dict[str, Callable[[], Any]] = {
        "size": lambda: len(mapping),
        "isEmpty": lambda: not mapping,
        "get": lambda: mapping.get(args[0]),
        "getOrDefault": lambda: mapping.get(args[0], args[1]),
        "containsKey": lambda: args[0] in mapping,
        "put": lambda: mapping.__setitem__(args[0], args[1]),
        "keySet": lambda: list(mapping),
        "values": lambda: list(mapping.values()),
        "toString": lambda: java_string(mapping),
        "equals": lambda: mapping == args[0],
    }
    return table[name]()


def _builder_method(builder: StringBuilder, name: str, args: list[Any]) -> Any:
    if name == "append":
        return builder.append(args[0])
    if name == "toString":
        return str(builder)
    if name == "length":
        return len(str(builder))
    raise KeyError(name)


def call_method(target: Any, name: str, args: list[Any], fail: Fail) -> Any:
    """``target.name(args)`` for the supported receiver types."""
    try:
        if isinstance(target, StringBuilder):
            return _builder_method(target, name, args)
        if isinstance(target, str):
            return _string_method(target, name, args)
        if isinstance(target, list):
            return _list_method(target, name, args)
        if isinstance(target, dict):
            return _map_method(target, name, args)
        if name == "toString" and not args:
            return java_string(target)
    except KeyError:
        pass
    except (IndexError, TypeError, ValueError) as exc:
        raise fail(f"{name}() failed: {exc}") from None
    raise fail(f"unsupported method {name}() on {type(target).__name__}")


def get_field(target: Any, name: str, fail: Fail) -> Any:
    """``target.name``: map lookup (null when absent) or ``length`` of a list/string."""
    if isinstance(target, dict):
        return target.get(name)
    if name == "length" and isinstance(target, list | str):
        return len(target)
    raise fail(f"unsupported field [{name}] on {java_string(target)}")


def call_static(class_name: str, name: str, args: list[Any], fail: Fail) -> Any:
    """``String.valueOf``, ``String.join``, ``Math.max/min/abs``, ``Integer/Double.parse*``."""
    table: dict[tuple[str, str], Callable[[], Any]] = {
        ("String", "valueOf"): lambda: java_string(args[0]),
        ("String", "join"): lambda: java_string(args[0]).join(java_string(item) for item in args[1]),
        ("Math", "max"): lambda: max(args[0], args[1]),
        ("Math", "min"): lambda: min(args[0], args[1]),
        ("Math", "abs"): lambda: abs(args[0]),
        ("Integer", "parseInt"): lambda: int(args[0]),
        ("Double", "parseDouble"): lambda: float(args[0]),
    }
    function = table.get((class_name, name))
    if function is None:
        raise fail(f"unsupported static method {class_name}.{name}()")
    try:
        return function()
    except (IndexError, TypeError, ValueError) as exc:
        raise fail(f"{class_name}.{name}() failed: {exc}") from None
