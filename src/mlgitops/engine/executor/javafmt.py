"""Java-compatible text: ``Double.toString``, ``List.toString``, float32 rounding, ``escapeJson``."""

import json
import math
import struct
from collections.abc import Mapping
from decimal import Decimal
from typing import Any


def java_double(value: float) -> str:
    """``Double.toString(value)``: plain between 1e-3 and 1e7, else ``d.dddE±n``."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if value == 0:
        return "-0.0" if math.copysign(1.0, value) < 0 else "0.0"
    if 1e-3 <= abs(value) < 1e7:
        text = repr(value)
        return text if "." in text else text + ".0"
    sign, digits, exponent = Decimal(repr(value)).as_tuple()
    text = "".join(map(str, digits)).rstrip("0") or "0"
    assert isinstance(exponent, int)
    power = exponent + len(digits) - 1
    mantissa = text[0] + "." + (text[1:] or "0")
    return ("-" if sign else "") + f"{mantissa}E{power}"


def to_float32(value: float) -> float:
    """The shortest double that prints like Java's ``Float.toString`` of ``(float) value``."""
    single = struct.unpack("f", struct.pack("f", value))[0]
    if math.isnan(single) or math.isinf(single):
        return float(single)
    for digits in range(1, 10):
        candidate = float(f"{single:.{digits}g}")
        if struct.unpack("f", struct.pack("f", candidate))[0] == single:
            return candidate
    return float(single)


def java_string(value: Any) -> str:
    """``String.valueOf(value)`` for JSON-like values (lists as ``[a, b]``, maps as ``{k=v}``)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return java_double(value)
    if isinstance(value, str):
        return value
    if isinstance(value, list | tuple):
        return "[" + ", ".join(java_string(item) for item in value) + "]"
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{java_string(k)}={java_string(v)}" for k, v in value.items()) + "}"
    return str(value)


def escape_json(text: str) -> str:
    """ML Commons' ``StringUtils.escapeJson``: the body of a JSON string literal, without the quotes."""
    return json.dumps(text, ensure_ascii=False)[1:-1]


def is_json_container(text: str) -> bool:
    """True when ``text`` parses as a JSON object or array (ML Commons' ``isJson``)."""
    stripped = text.strip()
    if not stripped or stripped[0] not in "[{":
        return False
    try:
        return isinstance(json.loads(stripped), dict | list)
    except ValueError:
        return False
