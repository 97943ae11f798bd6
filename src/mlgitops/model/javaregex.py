"""Java ``java.util.regex`` patterns, as ML Commons uses them, evaluated with Python's ``re``.

ML Commons checks connector URLs with ``Pattern.compile(regex).matcher(url).matches()``: a full
match. Most Java syntax is Python syntax; the differences that matter for endpoint regexes are
translated here (``\\Q...\\E`` quoting, ``(?<name>...)`` groups, ``\\p{...}`` classes, ``\\z``/``\\Z``);
Python-only syntax (``(?P<name>...)``) and anything Python cannot compile is reported as invalid.
"""

import re
import warnings
from functools import lru_cache

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


_CLASS_NAME = re.compile(r"\{(?P<name>\w+)\}")


class JavaRegexError(ValueError):
    """A pattern that cannot be compiled."""


def _class_body(neg: str, name: str, in_class: bool) -> str:
    """``\\p{Name}`` / ``\\P{Name}`` as a Python class (or class fragment inside ``[...]``)."""
    body = _POSIX_CLASSES.get(name)
    if body is None:
        raise JavaRegexError(f"unsupported character class \\{neg}{{{name}}}")
    negated = neg == "P"
    if body.startswith("^"):
        body = body[1:]
        negated = not negated
    if not in_class:
        return f"[{'^' if negated else ''}{body}]"
    if negated:
        raise JavaRegexError(f"\\{neg}{{{name}}} inside [...] cannot be checked here")
    return body


def _escape(pattern: str, pos: int, in_class: bool) -> tuple[str, int]:
    """Translate the escape starting at ``pattern[pos] == "\\"``; returns the text and the next position."""
    char = pattern[pos + 1 : pos + 2]
    if char == "Q":
        end = pattern.find(r"\E", pos + 2)
        stop = len(pattern) if end < 0 else end
        return re.escape(pattern[pos + 2 : stop]), len(pattern) if end < 0 else end + 2
    if char in ("p", "P") and (match := _CLASS_NAME.match(pattern, pos + 2)):
        return _class_body(char, match["name"], in_class), match.end()
    if char == "z" and not in_class:
        return r"\Z", pos + 2
    if char == "Z" and not in_class:
        return r"(?=\n?\Z)", pos + 2
    return pattern[pos : pos + 2], pos + 2


def translate(pattern: str) -> str:
    """The Python equivalent of a Java regex; raises JavaRegexError for Java-only or Python-only syntax."""
    out: list[str] = []
    pos, in_class = 0, False
    while pos < len(pattern):
        char = pattern[pos]
        if char == "\\":
            text, pos = _escape(pattern, pos, in_class)
            out.append(text)
            continue
        if in_class and (char == "[" or pattern.startswith("&&", pos)):
            raise JavaRegexError("nested classes and && inside [...] cannot be checked here")
        if char == "[" and not in_class:
            in_class = True
        elif char == "]" and in_class:
            in_class = False
        elif not in_class and pattern.startswith("(?P", pos):
            raise JavaRegexError("(?P...) is Python syntax; Java writes (?<name>...)")
        elif not in_class and pattern.startswith("(?<", pos) and pattern[pos + 3 : pos + 4].isalpha():
            out.append("(?P<")
            pos += 3
            continue
        out.append(char)
        pos += 1
    return "".join(out)


@lru_cache(maxsize=512)
def compile_java(pattern: str) -> re.Pattern[str]:
    """Compile a Java regex; raises JavaRegexError with the reason when it is invalid."""
    try:
        with warnings.catch_warnings():  # Python's "possible nested set" hints: Java reads them literally
            warnings.simplefilter("ignore", FutureWarning)
            return re.compile(translate(pattern))
    except re.error as exc:
        raise JavaRegexError(str(exc)) from None


def full_match(pattern: str, text: str) -> bool:
    """``Pattern.compile(pattern).matcher(text).matches()``."""
    return compile_java(pattern).fullmatch(text) is not None


def matches_any(patterns: list[str], text: str) -> bool:
    """True when ``text`` fully matches at least one valid pattern (invalid ones never match)."""
    for pattern in patterns:
        try:
            if full_match(pattern, text):
                return True
        except JavaRegexError:
            continue
    return False
