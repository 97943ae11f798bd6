"""What every API module needs: the store, the vault, the settings and the engine options."""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from mlgitops.engine.resources.settings import ML_PREFIX, ClusterSettings
from mlgitops.engine.storage.searching import MAX_RESULT_WINDOW
from mlgitops.engine.storage.store import Store
from mlgitops.engine.storage.vault import Vault
from mlgitops.errors import EngineError
from mlgitops.model.mlcommons import CONNECTOR_ACCESS_DISABLED_MESSAGE, MODEL_ACCESS_DISABLED_MESSAGE

REMOTE_DISABLED = (
    "Remote Inference is currently disabled. To enable it, update the setting "
    '"plugins.ml_commons.remote_inference_enabled" to true.'
)


@dataclass
class EngineContext:
    """Shared state of one LocalEngine."""

    store: Store
    vault: Vault
    settings: ClusterSettings
    security_enabled: bool = False
    max_result_window: int = MAX_RESULT_WINDOW

    def setting(self, name: str) -> Any:
        """One effective ML Commons setting (``name`` without the ``plugins.ml_commons.`` prefix)."""
        return self.settings.effective()[ML_PREFIX + name]

    def require_remote_inference(self, settings: Mapping[str, Any] | None = None) -> None:
        """400 when ``remote_inference.enabled`` is false (in ``settings`` when already read)."""
        enabled = (settings or self.settings.effective())[ML_PREFIX + "remote_inference.enabled"]
        if not enabled:
            raise EngineError(REMOTE_DISABLED)

    def access_control(self, kind: str) -> bool:
        """True when access control for ``kind`` (``model`` or ``connector``) is in force."""
        return self.security_enabled and bool(self.setting(f"{kind}_access_control_enabled"))

    def refuse_access_fields(self, kind: str, body: dict[str, Any]) -> bool:
        """Raise when access fields are sent while access control is off; True when it is on."""
        if self.access_control(kind):
            return True
        if "access_mode" in body or "add_all_backend_roles" in body or body.get("backend_roles"):
            message = MODEL_ACCESS_DISABLED_MESSAGE if kind == "model" else CONNECTOR_ACCESS_DISABLED_MESSAGE
            raise EngineError(message)
        return False


_ACCESS_MESSAGES = {
    "model": (
        "You can specify backend roles only for a model group with the restricted access mode.",
        "Admin users cannot add all backend roles to a model group.",
        "You must specify one or more backend roles or add all backend roles to register a restricted "
        "model group.",
    ),
    "connector": (
        "You can specify backend roles only for a connector with the restricted access mode.",
        "Admin can't add all backend roles",
        "You must specify at least one backend role or make the connector public/private for registering it.",
    ),
}


def access_fields(body: dict[str, Any], kind: str) -> dict[str, Any]:
    """The ``access``/``backend_roles`` fields under access control (admin user, ML Commons' rules)."""
    mode, roles = body.get("access_mode"), list(body.get("backend_roles") or [])
    add_all = bool(body.get("add_all_backend_roles"))
    if mode not in ("public", "private", "restricted"):
        mode = "restricted" if roles or add_all else "private"
    roles_need_restricted, admin_add_all, restricted_needs_roles = _ACCESS_MESSAGES[kind]
    if roles and mode != "restricted":
        raise EngineError(roles_need_restricted)
    if add_all:
        raise EngineError(admin_add_all)
    if mode == "restricted" and not roles:
        raise EngineError(restricted_needs_roles)
    fields: dict[str, Any] = {"access": mode}
    if roles:
        fields["backend_roles"] = roles
    return fields
