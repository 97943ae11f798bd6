"""Recognise secret-looking names and mask what may be a secret before a message quotes it."""

import re
from collections.abc import Mapping

from mlgitops.model.templates import PARAMETERS, substitute

MASK = "***"

# Header names that carry credentials (ML Commons 3.7 refuses ${parameters.*} in the same ones).
SECRET_HEADERS = frozenset(
    {
        "authorization",
        "proxy-authorization",
        "x-api-key",
        "api-key",
        "x-auth-token",
        "x-auth-header",
        "cookie",
    }
)
_SECRET_WORD = re.compile(
    r"(?:^|[-_.])(?:api[-_]?key|apikey|key|secret|secret[-_]?key|access[-_]?key|password|passwd|token"
    r"|access[-_]?token|session[-_]?token|security[-_]?token|auth|credential|sig|signature)$",
    re.IGNORECASE,
)
_USER_INFO = re.compile(r"^(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*://)[^/@]*@")


def looks_secret(name: str) -> bool:
    """True for names such as ``api_key``, ``X-Goog-Api-Key``, ``session_token`` or ``password``."""
    return name.lower() in SECRET_HEADERS or _SECRET_WORD.search(name) is not None


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
