"""A fingerprint of the actual state a plan was made from, so a stale saved plan is refused."""

import hashlib
import json
from typing import Any

from mlgitops.plan.state import ActualResource, ActualState


def _resource_view(resource: ActualResource) -> dict[str, Any]:
    record = resource.record
    return {
        "id": resource.resource_id,
        "document": resource.document,
        "record": None
        if record is None
        else {
            "id": record.resource_id,
            "digests": dict(record.secret_digests),
            "protected": record.protected,
        },
    }


def build_fingerprint(actual: ActualState) -> str:
    """``sha256:<hex>`` over every owned and unowned resource, its record and the settings."""
    view = {
        "resources": {str(key): _resource_view(value) for key, value in actual.resources.items()},
        "unowned": {str(key): _resource_view(value) for key, value in actual.unowned.items()},
        "settings": actual.settings,
    }
    text = json.dumps(view, sort_keys=True, separators=(",", ":"), default=str)
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()


def fingerprint_of(actual: ActualState) -> str:
    """The backend's fingerprint when it computed one, else ours."""
    return actual.fingerprint or build_fingerprint(actual)
