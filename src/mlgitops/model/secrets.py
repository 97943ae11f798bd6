"""Names that carry secrets: one rule for validation warnings, message redaction and plan masking."""

import re

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
    r"|access[-_]?token|session[-_]?token|security[-_]?token|auth|auth[-_]?header|credential|sig|signature)$",
    re.IGNORECASE,
)


def looks_secret(name: str) -> bool:
    """True for names such as ``Authorization``, ``api_key``, ``X-Goog-Api-Key`` or ``password``."""
    return name.lower() in SECRET_HEADERS or _SECRET_WORD.search(name) is not None
