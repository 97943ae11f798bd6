"""Tokenizer for the Painless subset: numbers, strings, identifiers, operators, with line/column."""

import re
from typing import NamedTuple

from mlgitops.errors import EngineError

TYPE_NAMES = frozenset(
    {"def", "var", "String", "int", "long", "float", "double", "boolean", "Object", "StringBuilder", "List",
     "ArrayList", "Map", "HashMap"}
)  # fmt: skip
KEYWORDS = frozenset(
    {"if", "else", "for", "while", "return", "break", "continue", "new", "true", "false", "null"}
)

_TOKEN = re.compile(
    r"""(?P<ws>\s+|//[^\n]*|/\*.*?\*/)
      |(?P<num>\d+\.\d*(?:[eE][+-]?\d+)?[dDfF]?|\d+(?:[eE][+-]?\d+)[dDfF]?|\d+[lLdDfF]?)
      |(?P<str>"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')
      |(?P<name>[A-Za-z_]\w*)
      |(?P<op>->|::|\?:|\?\.|===|!==|==|!=|<=|>=|&&|\|\||\+\+|--|\+=|-=|\*=|/=|[-+*/%<>=!?:;,.()\[\]{}])""",
    re.VERBOSE | re.DOTALL,
)
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "\\": "\\", '"': '"', "'": "'"}


class Token(NamedTuple):
    """One token: kind is num, str, name, op or eof."""

    kind: str
    text: str
    value: object
    line: int
    column: int

    @property
    def where(self) -> str:
        """``line L, column C`` for error messages."""
        return f"line {self.line}, column {self.column}"


def unsupported(what: str, token: Token) -> EngineError:
    """The error for a construct outside the supported subset."""
    return EngineError(f"Unsupported Painless construct {what} at {token.where}")


def _unescape(body: str, token: Token) -> str:
    out: list[str] = []
    chars = iter(body)
    for char in chars:
        if char != "\\":
            out.append(char)
            continue
        nxt = next(chars, "")
        if nxt == "u":
            digits = "".join(next(chars, "") for _ in range(4))
            out.append(chr(int(digits, 16)))
        elif nxt in _ESCAPES:
            out.append(_ESCAPES[nxt])
        else:
            raise unsupported(f"string escape '\\{nxt}'", token)
    return "".join(out)


def _number(text: str) -> object:
    if text[-1] in "lL":
        return int(text[:-1])
    if text[-1] in "dDfF":
        return float(text[:-1])
    return float(text) if any(c in text for c in ".eE") else int(text)


def tokenize(source: str) -> list[Token]:
    """All tokens of ``source`` ending with an eof token; an unknown character is an error."""
    tokens: list[Token] = []
    pos, line, line_start = 0, 1, 0
    while pos < len(source):
        match = _TOKEN.match(source, pos)
        column = pos - line_start + 1
        if match is None:
            raise unsupported(f"character {source[pos]!r}", Token("op", source[pos], None, line, column))
        kind, text = match.lastgroup or "ws", match.group()
        if kind != "ws":
            token = Token(kind, text, None, line, column)
            value: object = text
            if kind == "num":
                value = _number(text)
            elif kind == "str":
                value = _unescape(text[1:-1], token)
            tokens.append(token._replace(value=value))
        newlines = text.count("\n")
        if newlines:
            line += newlines
            line_start = pos + text.rindex("\n") + 1
        pos = match.end()
    tokens.append(Token("eof", "", None, line, pos - line_start + 1))
    return tokens
