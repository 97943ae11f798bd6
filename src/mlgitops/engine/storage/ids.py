"""ML Commons-style ids (20-character URL-safe base64) and millisecond timestamps."""

import base64
import hashlib
import secrets
import time

NODE_ID = "mlgitops-local-node"


def new_id() -> str:
    """A fresh 20-character URL-safe base64 id, like OpenSearch auto-generated document ids."""
    return base64.urlsafe_b64encode(secrets.token_bytes(15)).decode("ascii")


def now_ms() -> int:
    """The current time in epoch milliseconds."""
    return int(time.time() * 1000)


def index_uuid(index: str) -> str:
    """A stable 22-character uuid for an index name (errors that name an index carry one)."""
    digest = hashlib.sha256(index.encode("utf-8")).digest()[:16]
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")
