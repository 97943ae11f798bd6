"""``\\p{..}``/``\\P{..}`` inside ``[...]``: Java accepts them, including in negated classes."""

import pytest

from mlgitops.model.javaregex import JavaRegexError, compile_java, full_match, translate

LETTERS_DIGITS_DASH = r"^https://[\p{L}\d-]+\.example\.com/.*$"


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("api-1", True),
        ("bücher-ümlaut", True),
        ("東京-2", True),
        ("a_b", False),  # '_' is a word character but not a letter
        ("a.b", False),
        ("a b", False),
    ],
)
def test_letters_digits_and_dash_class(host: str, expected: bool) -> None:
    assert full_match(LETTERS_DIGITS_DASH, f"https://{host}.example.com/v1") is expected


@pytest.mark.parametrize(
    ("pattern", "text", "expected"),
    [
        (r"[\p{L}]", "é", True),
        (r"[\p{L}]", "1", False),
        (r"[^\p{L}]", "1", True),
        (r"[^\p{L}]", "é", False),
        (r"[^\p{L}]", "\n", True),  # a negated class matches line breaks too
        (r"[^\p{L}\d]", "_", True),
        (r"[^\p{L}\d]", "7", False),
        (r"[^\p{L}\d]", "x", False),
        (r"[\P{L}]", "7", True),
        (r"[\P{L}]", "x", False),
        (r"[^\P{L}]", "x", True),  # not a non-letter: a letter
        (r"[^\P{L}]", "7", False),
        (r"[\P{Alpha}x]+", "x1-x", True),
        (r"[\P{Alpha}x]+", "xy", False),
        (r"[^\P{Alpha}x]", "y", True),
        (r"[^\P{Alpha}x]", "x", False),
        (r"[^\P{Alpha}x]", "1", False),
        (r"[\p{N}\p{L}]{3}", "a1é", True),
        (r"[\pL\pN]+", "abc123", True),
        (r"\pL+", "abc", True),
        (r"[\p{L}^]+", "a^b", True),  # '^' not first: a literal, even once the class is rewritten
        (r"[\p{L}^]+", "a$b", False),
        (r"[a\p{L}-]+", "a-b", True),
        (r"[\p{L}-9]", "5", False),  # '-' after a class is itself, not a range
        (r"[\p{L}-9]", "-", True),
        (r"[\p{IsAlphabetic}.]+", "a.b", True),
        (r"[\p{IsDigit}]", "4", True),
    ],
)
def test_classes_inside_brackets(pattern: str, text: str, expected: bool) -> None:
    assert full_match(pattern, text) is expected


def test_classes_without_complements_keep_a_plain_python_class() -> None:
    assert translate(r"[\p{Alpha}.]+") == "[a-zA-Z.]+"
    assert translate(r"[^\P{L}]") == r"[^\W\d_]"
    assert translate(r"[]a]") == "[]a]"


def test_a_complemented_class_becomes_an_alternation() -> None:
    assert translate(r"[\p{L}\d-]") == r"(?:[\d-]|[^\W\d_])"
    assert translate(r"[^\p{L}]") == r"(?:(?![^\W\d_])[\s\S])"


@pytest.mark.parametrize(
    ("pattern", "reason"),
    [
        (r"[\p{InGreek}]", "unsupported character class"),
        (r"[a-\p{L}]", "range cannot end"),
        (r"[\p{L}", "unclosed character class"),
        (r"[\p{L}&&[^a]]", "nested classes and &&"),
    ],
)
def test_what_cannot_be_checked_is_reported(pattern: str, reason: str) -> None:
    with pytest.raises(JavaRegexError, match=reason):
        compile_java(pattern)
