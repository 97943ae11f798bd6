"""Values laid out line by line for plans: nested maps and lists as blocks, multi-line text as text.

Any kind's body renders the same way (a connector's actions, a pipeline's processors, an agent's
tools): a map or list opens an indented block with one signed line per entry, a string with line
breaks (a Painless script) becomes an indented block of its lines, and every other value stays on its
line as JSON. Nothing is ever cut: a reviewer sees every URL, header, body and script. Masked values
(``(sensitive value)``) are shown as the marker they are.
"""

import difflib
import json
import re
import textwrap
from typing import Any

from mlgitops.plan.diffing import SENSITIVE, SENSITIVE_CHANGED

INDENT = "    "
_PLAIN_KEY = re.compile(r"^[A-Za-z0-9_.@$/-]+$")
_MARKERS = (SENSITIVE, SENSITIVE_CHANGED)


def indent(lines: list[str], depth: int = 1) -> list[str]:
    """``lines`` shifted right by ``depth`` indents."""
    return [INDENT * depth + line for line in lines]


def scalar_text(value: Any) -> str:
    """One value on one line: JSON, except the masking markers."""
    if isinstance(value, str) and value in _MARKERS:
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def is_block(value: Any) -> bool:
    """True for what takes more than one line: a non-empty map or list, or text with line breaks."""
    if isinstance(value, dict | list):
        return bool(value)
    return isinstance(value, str) and "\n" in value


def _key(key: Any) -> str:
    text = str(key)
    return text if _PLAIN_KEY.match(text) else json.dumps(text, ensure_ascii=False)


def text_lines(text: str) -> list[str]:
    """The lines of a multi-line string (a final line break does not add an empty line)."""
    lines = text.split("\n")
    return lines[:-1] if len(lines) > 1 and lines[-1] == "" else lines


def block_lines(text: str) -> list[str]:
    """A multi-line string as a block: blank lines around it dropped, common indentation removed.

    Only layout whitespace goes (a script pasted inside YAML is usually indented); every character
    of every line is kept.
    """
    lines = [line.rstrip() for line in textwrap.dedent(text.expandtabs(4)).split("\n")]
    while lines and not lines[0]:
        lines.pop(0)
    while lines and not lines[-1]:
        lines.pop()
    return lines


def entries(sign: str, value: Any) -> list[str]:
    """The content of ``value`` without a name: one signed line (or block) per entry."""
    if isinstance(value, dict) and value:
        return [line for key in sorted(value, key=str) for line in expand(sign, _key(key), value[key])]
    if isinstance(value, list) and value:
        return [line for index, item in enumerate(value) for line in expand(sign, f"[{index}]", item)]
    if isinstance(value, str) and "\n" in value:
        return [f"{sign} |", *indent(block_lines(value))]
    return [f"{sign} {scalar_text(value)}"]


def expand(sign: str, name: str, value: Any) -> list[str]:
    """``sign name: value``, laid out: a block value goes on the lines below, indented."""
    if isinstance(value, str) and "\n" in value:
        return [f"{sign} {name}: |", *indent(block_lines(value), 2)]
    if is_block(value):
        return [f"{sign} {name}:", *indent(entries(sign, value))]
    return [f"{sign} {name}: {scalar_text(value)}"]


def text_diff(before: str, after: str) -> list[str]:
    """A line diff of two texts: ``-`` removed, ``+`` added, two spaces for unchanged lines."""
    lines: list[str] = []
    for line in difflib.ndiff(text_lines(before), text_lines(after)):
        if not line.startswith("?"):
            text = line[0] + " " + line[2:] if line[0] in "+-" else "  " + line[2:]
            lines.append(text.rstrip())
    return lines
