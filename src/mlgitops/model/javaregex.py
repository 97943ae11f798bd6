"""Java ``java.util.regex`` patterns, as ML Commons uses them, evaluated with Python's ``re``.

ML Commons checks connector URLs with ``Pattern.compile(regex).matcher(url).matches()``: a full
match. Most Java syntax is Python syntax; the differences that matter for endpoint regexes are
translated here (``\\Q...\\E`` quoting, ``(?<name>...)`` groups, ``\\p{...}`` classes); anything else
Python cannot compile is reported as an invalid pattern.
"""

import re
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


class JavaRegexError(ValueError):
    """A pattern that cannot be compiled."""


def _translate_quoted(pattern: str) -> str:
    out: list[str] = []
    pos = 0
    while (start := pattern.find(r"\Q", pos)) >= 0:
        out.append(pattern[pos:start])
        end = pattern.find(r"\E", start + 2)
        stop = len(pattern) if end < 0 else end
        out.append(re.escape(pattern[start + 2 : stop]))
        pos = len(pattern) if end < 0 else end + 2
    out.append(pattern[pos:])
    return "".join(out)


def _translate_class(match: re.Match[str]) -> str:
    negated, name = match["neg"] == "P", match["name"]
    body = _POSIX_CLASSES.get(name)
    if body is None:
        raise JavaRegexError(f"unsupported character class \\{match['neg']}{{{name}}}")
    if body.startswith("^"):
        body = body[1:]
        negated = not negated
    return f"[{'^' if negated else ''}{body}]"


def translate(pattern: str) -> str:
    """The Python equivalent of a Java regex."""
    python = _translate_quoted(pattern)
    python = re.sub(r"\(\?<(?=[A-Za-z])", "(?P<", python)
    return re.sub(r"\\(?P<neg>[pP])\{(?P<name>\w+)\}", _translate_class, python)


@lru_cache(maxsize=512)
def compile_java(pattern: str) -> re.Pattern[str]:
    """Compile a Java regex; raises JavaRegexError with the reason when it is invalid."""
    try:
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
