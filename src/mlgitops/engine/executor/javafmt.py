"""Java-compatible text: ``Double.toString``, ``List.toString``, float32 rounding, ``escapeJson``."""

import json
import math
import struct
from array import array
from collections.abc import Mapping, Sequence
from decimal import Decimal
from operator import eq
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


_FLOAT32 = struct.Struct("f")
_UNESCAPED_NON_ASCII = json.JSONEncoder(ensure_ascii=False)  # built once, not per string
_FLOAT32_BITS = struct.Struct("I")
_FORMATS = {digits: f"%.{digits}g" for digits in range(1, 10)}
_FLT_MIN = 2.0**-126  # the smallest normal float32
_FLT_MAX = (2.0 - 2.0**-23) * 2.0**127
_GROUPED_FROM = 48  # shorter vectors are searched value by value (less set-up per value)
_SAMPLE = 8


def _as_float32(value: float) -> float:
    single: float = _FLOAT32.unpack(_FLOAT32.pack(value))[0]
    return single


def _round_trip(single: float, digits: int) -> float | None:
    """``single`` rounded to ``digits`` significant digits, if that reads back as the same float32."""
    candidate = float(_FORMATS[digits] % single)
    return candidate if _as_float32(candidate) == single else None


def _is_power_of_two(single: float) -> bool:
    bits: int = _FLOAT32_BITS.unpack(_FLOAT32.pack(single))[0]
    return bits & 0x7FFFFF == 0


def to_float32(value: float) -> float:
    """The shortest double that prints like Java's ``Float.toString`` of ``(float) value``."""
    single = _as_float32(value)
    if math.isnan(single) or math.isinf(single):
        return single
    if _is_power_of_two(single):
        return next(filter(None, (_round_trip(single, n) for n in range(1, 10))), single)
    return _shortest(single)


def to_float32_all(values: Sequence[float]) -> list[float]:
    """``[to_float32(v) for v in values]``, computed a whole vector at a time.

    A value that is a decimal of at most six significant digits (``%.6g`` gives it back) and
    rounds to a normal float32 is its own answer: distinct decimals of at most six digits lie more
    than a float32 spacing apart (FLT_DIG is 6), so the shortest decimal that reads back is that
    one (powers of two included). A vector made only of such values is returned at once. Otherwise
    the same search over digit counts as ``to_float32``; on long vectors it runs on groups of values
    that share their search bounds, each step formatting, parsing and rounding to float32 a whole
    group in C. Other powers of two, zeros, infinities and NaN take ``to_float32`` itself.
    """
    singles = array("f", values).tolist()
    short = _short_decimals(values)
    if all(short) and singles and _all_normal(singles):
        return list(map(float, values))
    bits = array("I", array("f", singles).tobytes())
    out = list(singles)
    regular: list[int] = []
    for index, pattern in enumerate(bits):
        if pattern & 0x7FFFFF == 0 or pattern & 0x7F800000 == 0x7F800000:
            out[index] = to_float32(values[index])
        elif short[index] and pattern & 0x7F800000:
            out[index] = float(values[index])
        else:
            regular.append(index)
    if len(regular) < _GROUPED_FROM:
        for index in regular:
            out[index] = _shortest(singles[index])
        return out
    return _grouped(regular, singles, out)


def _all_normal(singles: list[float]) -> bool:
    """Whether every float32 value is normal: finite and not zero or subnormal."""
    magnitudes = list(map(abs, singles))
    return min(magnitudes) >= _FLT_MIN and max(magnitudes) <= _FLT_MAX


def _short_decimals(values: Sequence[float]) -> list[bool]:
    """Which values are decimals of at most six significant digits (none looked for when a sample
    of the first ones has none: model output printed from float32 seldom has; a vector of at most
    two samples is looked at whole)."""
    if len(values) <= 2 * _SAMPLE:
        return list(map(eq, _reparsed(values, 6), values))
    sample = list(map(eq, _reparsed(values[:_SAMPLE], 6), values[:_SAMPLE]))
    if True not in sample:
        return [False] * len(values)
    rest = values[_SAMPLE:]
    return sample + list(map(eq, _reparsed(rest, 6), rest))


def _reparsed(values: Sequence[float], digits: int) -> list[float]:
    """Each value rounded to ``digits`` significant digits and read back (one formatting call)."""
    if not values:
        return []
    text = ",".join([_FORMATS[digits]] * len(values)) % tuple(values)
    return list(map(float, text.split(",")))


def _probe(low: int, high: int) -> int:
    """The digit count to try next. Values printed from float32 mostly need 7 or 8 digits: try 7
    first, then 8 (or 9) when 7 does not read back, else one digit fewer each time."""
    if high >= 9:
        return max(low, 7)
    return max(low, high - 1)


def _grouped(regular: list[int], singles: list[float], out: list[float]) -> list[float]:
    """The search on groups of values; ``known`` marks a group whose ``high`` digits read back (its
    candidates are in ``out`` already)."""
    groups = [(1, 9, regular, False)]
    while groups:
        low, high, members, known = groups.pop()
        if low == high and known:
            continue
        targets = [singles[index] for index in members]
        digits = low if low == high else _probe(low, high)
        candidates = _reparsed(targets, digits)
        back = array("f", candidates)
        if low == high:
            for index, candidate, single, target in zip(members, candidates, back, targets, strict=True):
                out[index] = candidate if single == target else target
            continue
        kept: list[int] = []
        lost: list[int] = []
        for index, candidate, single, target in zip(members, candidates, back, targets, strict=True):
            if single == target:
                out[index] = candidate
                kept.append(index)
            else:
                lost.append(index)
        groups += [
            group for group in ((low, digits, kept, True), (digits + 1, high, lost, known)) if group[2]
        ]
    return out


def _shortest(single: float) -> float:
    """``to_float32`` of a float32 value away from powers of two, inlined (short vectors).

    Away from powers of two the float32 rounding interval is symmetric around the value, and the
    rounding to n+1 digits is at least as close as the rounding to n: the digit counts that read back
    form a range up to 9, so a search (in ``_probe``'s order) finds the shortest.
    """
    pack, unpack, formats = _FLOAT32.pack, _FLOAT32.unpack, _FORMATS
    low, high, best = 1, 9, None
    while low < high:
        middle = _probe(low, high)
        candidate = float(formats[middle] % single)
        if unpack(pack(candidate))[0] == single:
            high, best = middle, candidate
        else:
            low = middle + 1
    if best is not None:  # the search ends with low == high, and best read back at high digits
        return best
    candidate = float(formats[low] % single)
    return candidate if unpack(pack(candidate))[0] == single else single


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
    return _UNESCAPED_NON_ASCII.encode(text)[1:-1]


def is_json_container(text: str) -> bool:
    """True when ``text`` parses as a JSON object or array (ML Commons' ``isJson``)."""
    stripped = text.strip()
    if not stripped or stripped[0] not in "[{":
        return False
    try:
        return isinstance(json.loads(stripped), dict | list)
    except ValueError:
        return False
