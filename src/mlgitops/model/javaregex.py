"""Java ``java.util.regex`` patterns, as ML Commons uses them, evaluated with the ``regex`` module.

ML Commons checks connector URLs with ``Pattern.compile(regex).matcher(url).matches()``: a full
match. Most Java syntax is Python syntax; the differences that matter for endpoint regexes are
translated here (``\\Q...\\E`` quoting, ``(?<name>...)`` groups, ``\\p{...}`` classes, also inside
``[...]``, ``\\z``/``\\Z``); Python-only syntax (``(?P<name>...)``) and anything Python cannot compile
is reported as invalid.

Matching runs under a time budget (``regex``'s ``timeout``): a pattern that backtracks
catastrophically (``^https://(a|aa)+$`` against a long near-match) raises JavaRegexTimeoutError instead
of hanging; ``regex`` also matches many nested-quantifier forms that hang ``re`` in linear time.
"""

import re
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

import regex

MATCH_BUDGET_SECONDS = 0.25

_POSIX_CLASSES = {
    "Lower": "a-z",
    "Upper": "A-Z",
    "Alpha": "a-zA-Z",
    "Digit": "0-9",
    "Alnum": "a-zA-Z0-9",
    "Punct": r"!-/:-@\[-`{-~",
    "Space": r" \t\n\x0b\f\r",
    "XDigit": "0-9a-fA-F",
    "L": r"^\W\d_",
    "IsAlphabetic": r"^\W\d_",
    "N": r"\d",
    "IsDigit": r"\d",
}


_CLASS_NAME = re.compile(r"\{(?P<name>\w+)\}|(?P<letter>[A-Za-z])")  # \p{Alpha}, \pL


class JavaRegexError(ValueError):
    """A pattern that cannot be compiled."""


class JavaRegexTimeoutError(JavaRegexError):
    """A pattern whose match ran past its time budget (catastrophic backtracking)."""


def _named_class(neg: str, name: str) -> tuple[str, bool]:
    """``\\p{Name}`` / ``\\P{Name}`` as a Python class body and whether the class is its complement."""
    body = _POSIX_CLASSES.get(name)
    if body is None:
        raise JavaRegexError(f"unsupported character class \\{neg}{{{name}}}")
    negated = neg == "P"
    if body.startswith("^"):
        return body[1:], not negated
    return body, negated


def _escape(pattern: str, pos: int) -> tuple[str, int]:
    """Translate an escape outside ``[...]``; returns the text and the next position."""
    char = pattern[pos + 1 : pos + 2]
    if char in ("p", "P") and (match := _CLASS_NAME.match(pattern, pos + 2)):
        body, negated = _named_class(char, match["name"] or match["letter"])
        return f"[{'^' if negated else ''}{body}]", match.end()
    if char == "z":
        return r"\Z", pos + 2
    if char == "Z":
        return r"(?=\n?\Z)", pos + 2
    return _plain_escape(pattern, pos)


def _plain_escape(pattern: str, pos: int) -> tuple[str, int]:
    """``\\Q...\\E`` quoting, or the escape as written (the same in both languages)."""
    if pattern[pos + 1 : pos + 2] == "Q":
        end = pattern.find(r"\E", pos + 2)
        stop = len(pattern) if end < 0 else end
        return re.escape(pattern[pos + 2 : stop]), len(pattern) if end < 0 else end + 2
    return pattern[pos : pos + 2], pos + 2


class _ClassParts:
    """The members of one ``[...]``: Python class text, plus complemented classes Python cannot nest."""

    def __init__(self) -> None:
        self.text: list[str] = []
        self.complements: list[str] = []
        self.after_complement = False

    def add(self, text: str) -> None:
        if self.after_complement and text == "-":
            text = r"\-"  # Java reads a '-' after a class as itself; here it would start a range
        self.text.append(text)
        self.after_complement = False

    def add_complement(self, body: str) -> None:
        if self.text and self.text[-1] == "-" and len(self.text) > 1:
            raise JavaRegexError("a character range cannot end with a \\p{...} class")
        self.complements.append(body)
        self.after_complement = True

    def render(self, negated: bool) -> str:
        positive = "".join(self.text)
        if positive.startswith("^"):
            positive = "\\" + positive
        if not self.complements:
            return f"[{'^' if negated else ''}{positive}]"
        options = ([f"[{positive}]"] if positive else []) + [f"[^{body}]" for body in self.complements]
        union = "|".join(options)
        return f"(?:(?!{union})[\\s\\S])" if negated else f"(?:{union})"


def _char_class(pattern: str, pos: int) -> tuple[str, int]:
    """Translate the class starting at ``pattern[pos] == "["``; returns the text and the next position.

    ``\\p{L}`` and other classes Python writes as a complement (``[^\\W\\d_]``) cannot sit inside a
    Python class, so a class holding one becomes an alternation (``[\\p{L}\\d-]`` ->
    ``(?:[\\d\\-]|[^\\W\\d_])``), and a negated one a lookahead over any character.
    """
    negated = pattern.startswith("[^", pos)
    pos += 2 if negated else 1
    parts, first = _ClassParts(), True
    while pos < len(pattern):
        char = pattern[pos]
        if char == "]" and not first:
            return parts.render(negated), pos + 1
        first = False
        if char == "[" or pattern.startswith("&&", pos):
            raise JavaRegexError("nested classes and && inside [...] cannot be checked here")
        if char == "\\" and pattern[pos + 1 : pos + 2] in ("p", "P"):
            pos = _class_member(pattern, pos, parts)
            continue
        text, pos = _plain_escape(pattern, pos) if char == "\\" else (char, pos + 1)
        parts.add(text)
    raise JavaRegexError("unclosed character class [...]")


def _class_member(pattern: str, pos: int, parts: _ClassParts) -> int:
    match = _CLASS_NAME.match(pattern, pos + 2)
    if match is None:
        parts.add(pattern[pos : pos + 2])
        return pos + 2
    body, negated = _named_class(pattern[pos + 1], match["name"] or match["letter"])
    if negated:
        parts.add_complement(body)
    else:
        parts.add(body)
    return match.end()


def translate(pattern: str) -> str:
    """The Python equivalent of a Java regex; raises JavaRegexError for Java-only or Python-only syntax."""
    out: list[str] = []
    pos = 0
    while pos < len(pattern):
        char = pattern[pos]
        if char == "\\":
            text, pos = _escape(pattern, pos)
        elif char == "[":
            text, pos = _char_class(pattern, pos)
        elif pattern.startswith("(?P", pos):
            raise JavaRegexError("(?P...) is Python syntax; Java writes (?<name>...)")
        elif pattern.startswith("(?<", pos) and pattern[pos + 3 : pos + 4].isalpha():
            text, pos = "(?P<", pos + 3
        else:
            text, pos = char, pos + 1
        out.append(text)
    return "".join(out)


@lru_cache(maxsize=512)
def compile_java(pattern: str) -> "regex.Pattern[str]":
    """Compile a Java regex; raises JavaRegexError with the reason when it is invalid."""
    try:
        with warnings.catch_warnings():  # Python's "possible nested set" hints: Java reads them literally
            warnings.simplefilter("ignore", FutureWarning)
            return regex.compile(translate(pattern), flags=regex.VERSION0)
    except regex.error as exc:
        raise JavaRegexError(str(exc)) from None


def full_match(pattern: str, text: str, budget: float = MATCH_BUDGET_SECONDS) -> bool:
    """``Pattern.compile(pattern).matcher(text).matches()``, within ``budget`` seconds.

    Raises:
        JavaRegexError: the pattern is invalid.
        JavaRegexTimeoutError: matching took longer than ``budget``.
    """
    try:
        return compile_java(pattern).fullmatch(text, timeout=budget) is not None
    except TimeoutError:
        raise JavaRegexTimeoutError(
            f"matching took over {budget:g} s (catastrophic backtracking, e.g. nested quantifiers "
            "like (a|aa)+): simplify the pattern"
        ) from None


@dataclass(frozen=True)
class MatchOutcome:
    """Whether a text fully matched one of several patterns, and which ran out of time trying."""

    matched: bool
    timed_out: tuple[str, ...] = ()


def match_any(patterns: Iterable[str], text: str, budget: float = MATCH_BUDGET_SECONDS) -> MatchOutcome:
    """Try each valid pattern in turn (invalid ones never match; slow ones are listed)."""
    slow: list[str] = []
    for pattern in patterns:
        try:
            if full_match(pattern, text, budget):
                return MatchOutcome(True, tuple(slow))
        except JavaRegexTimeoutError:
            slow.append(pattern)
        except JavaRegexError:
            continue
    return MatchOutcome(False, tuple(slow))


def matches_any(patterns: Iterable[str], text: str) -> bool:
    """True when ``text`` fully matches at least one valid pattern within its time budget."""
    return match_any(patterns, text).matched
