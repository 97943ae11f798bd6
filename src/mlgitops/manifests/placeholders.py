"""Text the official blueprints leave for the user to replace, in the forms the documents use.

``<PLEASE ADD YOUR AWS REGION HERE>`` / ``<your key>`` / ``<ENTER_MODEL_NAME_HERE>`` (a phrase),
``<MODEL_ID>`` / ``<folder_ID>`` / ``<API-KEY>`` (a token: words joined by ``_``, ``-`` or spaces, with
a capital letter, so prompt markup such as ``<end_of_turn>`` or ``<s>`` is left alone), ``<A|B|C>``
(a choice) and ``{{endpoint_name}}`` (a mustache name, which ML Commons never fills: only
``${parameters.*}`` and ``${credential.*}`` are substituted).
"""

import re
from typing import NamedTuple

_PHRASE = re.compile(r"<(?:your|please|enter)[ _][^<>\n]{0,100}>", re.IGNORECASE)
_TOKEN = re.compile(r"<(?=[^<>]*[A-Z])[A-Za-z][A-Za-z0-9]*(?:[_ -][A-Za-z0-9]+)+>")
_CHOICE = re.compile(r"<[A-Za-z0-9_.-]+(?:\|[A-Za-z0-9_.-]+)+>")
_MUSTACHE = re.compile(r"\{\{\s*[A-Za-z_][A-Za-z0-9_.-]*\s*\}\}")


class Placeholder(NamedTuple):
    """One unfilled placeholder and how to tell the user to fill it."""

    text: str
    choices: tuple[str, ...] = ()


def find_placeholder(text: str, *, mustache: bool = False) -> Placeholder | None:
    """The first blueprint placeholder in ``text`` (``{{name}}`` too when ``mustache``), or None."""
    found = [match for pattern in (_PHRASE, _TOKEN, _CHOICE) if (match := pattern.search(text))]
    if mustache and (match := _MUSTACHE.search(text)):
        found.append(match)
    if not found:
        return None
    first = min(found, key=lambda match: match.start())
    choices = tuple(first.group(0)[1:-1].split("|")) if first.re is _CHOICE else ()
    return Placeholder(first.group(0), choices)


def describe(placeholder: Placeholder, where: str) -> str:
    """The error for a placeholder written at ``where`` (a non-secret field)."""
    if placeholder.choices:
        listed = ", ".join(placeholder.choices)
        return f"choose one of {listed} for the blueprint placeholder {placeholder.text} in {where}"
    if placeholder.text.startswith("{{"):
        return (
            f"fill in the blueprint placeholder {placeholder.text} in {where} "
            "(ML Commons substitutes only ${parameters.…} and ${credential.…})"
        )
    return f"fill in the blueprint placeholder {placeholder.text} in {where}"
