"""Recognise secret-looking names and mask what may be a secret before a message quotes it."""

import re
from collections.abc import Mapping

from mlgitops.model.secrets import SECRET_HEADERS, looks_secret
from mlgitops.model.templates import PARAMETERS, substitute

MASK = "***"

__all__ = ["MASK", "SECRET_HEADERS", "display_url", "looks_secret"]

_USER_INFO = re.compile(r"^(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*://)[^/@]*@")


def _mask_query(query: str) -> str:
    pairs = []
    for pair in query.split("&"):
        name, sep, value = pair.partition("=")
        pairs.append(f"{name}={MASK}" if sep and value and looks_secret(name) else pair)
    return "&".join(pairs)


def display_url(template: str, parameters: Mapping[str, str]) -> str:
    """``template`` filled from connector parameters as a message may quote it.

    Secret-looking parameters, user info (``user:pass@``) and secret-looking query values are
    masked, so a key written in the wrong place never reaches the output.
    """
    masked = {name: MASK if looks_secret(name) else value for name, value in parameters.items()}
    base, question, query = substitute(template, PARAMETERS, masked).partition("?")
    base = _USER_INFO.sub(rf"\g<scheme>{MASK}@", base)
    return base + question + _mask_query(query)
