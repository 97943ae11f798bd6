"""The values JSON carries besides objects and arrays, for the checks and comparisons of parsed JSON."""

JSON_SCALARS: tuple[type, ...] = (str, int, float, bool, type(None))
"""The Python types a JSON parser gives for strings, numbers, booleans and null (``isinstance`` tuple)."""
