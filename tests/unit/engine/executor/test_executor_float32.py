"""float32 rounding: the shortest decimal that reads back as the same float32, however it is searched."""

import math
import random
import struct

import pytest

from mlgitops.engine.executor.javafmt import to_float32, to_float32_all

SINGLE = struct.Struct("f")


def single(value: float) -> float:
    return SINGLE.unpack(SINGLE.pack(value))[0]


def shortest_by_scan(value: float) -> float:
    """Reference: try every digit count from 1 to 9."""
    target = single(value)
    for digits in range(1, 10):
        candidate = float(f"{target:.{digits}g}")
        if single(candidate) == target:
            return candidate
    return target


def bits_to_float(bits: int) -> float:
    return struct.unpack("f", struct.pack("I", bits))[0]


SPECIAL = [
    0.0, -0.0, 0.1, 0.5, 1.0, 2.0, 1e-7, 3.4028234663852886e38, 1.17549435e-38, 1.4e-45, 9.999999e-5,
    0.123456789, 16777216.0, 16777217.0, 2.0**-20, 2.0**100, -(2.0**-126), 9.99999e9, 123456.7,
]  # fmt: skip


@pytest.mark.parametrize("value", SPECIAL)
def test_special_values_match_the_full_scan(value: float) -> None:
    assert math.copysign(1, to_float32(value)) == math.copysign(1, shortest_by_scan(value))
    assert to_float32(value) == shortest_by_scan(value)
    assert math.copysign(1, to_float32_all([value])[0]) == math.copysign(1, shortest_by_scan(value))


def test_random_values_and_bit_patterns_match_the_full_scan() -> None:
    rng = random.Random(20261201)
    values = [rng.uniform(-1, 1) for _ in range(3000)]
    values += [rng.uniform(-1e6, 1e6) for _ in range(1000)]
    values += [round(rng.uniform(-1, 1), 4) for _ in range(2000)]
    values += [bits_to_float(rng.getrandbits(31)) for _ in range(3000)]
    values += [
        bits_to_float((exponent << 23) | low) for exponent in range(1, 254) for low in (0, 1, 0x7FFFFF)
    ]
    finite = [v for v in values if math.isfinite(single(v))]
    assert [to_float32(v) for v in finite] == [shortest_by_scan(v) for v in finite]


def test_the_list_form_matches_the_full_scan_value_by_value() -> None:
    rng = random.Random(20261202)
    values = [rng.uniform(-1, 1) for _ in range(2000)] + [round(rng.uniform(-1, 1), 4) for _ in range(2000)]
    values += [bits_to_float(rng.getrandbits(32)) for _ in range(4000)]
    values += [bits_to_float((exponent << 23) | low) for exponent in range(256) for low in (0, 1, 0x7FFFFF)]
    values += [1e39, -1e39, float("inf"), float("-inf"), 0.0, -0.0, 2.0**-149, 3.4028235677973366e38]
    expected = [to_float32(v) for v in values]
    got = to_float32_all(values)
    assert len(got) == len(expected)
    for value, want, have in zip(values, expected, got, strict=True):
        if math.isnan(want):
            assert math.isnan(have), value
        else:
            assert (have, math.copysign(1, have)) == (want, math.copysign(1, want)), value
    finite = [v for v in values if math.isfinite(single(v))]
    assert to_float32_all(finite) == [shortest_by_scan(v) for v in finite]
    short = [to_float32_all(finite[start : start + 7]) for start in range(0, len(finite), 7)]
    assert [value for chunk in short for value in chunk] == [shortest_by_scan(v) for v in finite]


def test_short_decimals_across_every_exponent_match_the_full_scan() -> None:
    rng = random.Random(20261203)
    values = [
        float(f"{sign}{rng.randint(1, 10**digits - 1)}e{exponent}")
        for exponent in range(-50, 40)
        for digits in (1, 2, 3, 4, 5, 6, 7)
        for sign in ("", "-")
    ]
    values += [float(f"{rng.randint(1, 999999)}e-{rng.randint(38, 46)}") for _ in range(3000)]  # subnormal
    values += [
        float(f"{mantissa}e{exponent}") for mantissa in (1, 9999995, 999999) for exponent in range(-45, 39)
    ]
    for start in range(0, len(values), 200):  # whole vectors: every value is sampled as short
        chunk = values[start : start + 200]
        assert to_float32_all(chunk) == [shortest_by_scan(v) for v in chunk]
    mixed = [
        value for pair in zip(values, [rng.uniform(-1, 1) for _ in values], strict=True) for value in pair
    ]
    assert to_float32_all(mixed) == [shortest_by_scan(v) for v in mixed]


def test_vectors_of_short_normal_decimals_are_their_own_answer() -> None:
    rng = random.Random(20261204)
    vectors = [[round(rng.uniform(-1, 1), 4) for _ in range(size)] for size in (1, 2, 8, 9, 16, 47, 48, 300)]
    vectors.append([0.5, 0.25, 1.0, 2.0, 1024.0, -0.125, 65536.0, 2.0**-20 * 1.0])  # powers of two
    vectors.append([1.17550e-38, 3.40282e38, -1.17550e-38, -3.40282e38, 1e-37, 1e38])  # the normal ends
    for vector in vectors:
        assert to_float32_all(vector) == [shortest_by_scan(v) for v in vector]


def test_one_zero_subnormal_or_overflowing_value_leaves_the_vector_fast_path() -> None:
    for odd in (0.0, -0.0, 1e-40, 1.5e-44, 1.17549e-38, 3.40283e38, -1e39, 3.5e38):
        vector = [0.1234, odd, -0.5678, 0.25]
        got = to_float32_all(vector)
        want = [to_float32(v) for v in vector]
        assert [(v, math.copysign(1, v)) for v in got] == [(v, math.copysign(1, v)) for v in want]
