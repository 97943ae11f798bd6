"""Request bodies at apply time: logical references resolved to ids, credentials filled in (pure)."""

from collections.abc import Callable, Mapping
from typing import Any

from pydantic import SecretStr

from mlgitops.errors import PlanError
from mlgitops.model.resources import Kind, ResourceKey

# Fields ML Commons accepts in ``PUT /models/{id}`` (MLUpdateModelInput); others are rejected or ignored.
MODEL_UPDATE_FIELDS = frozenset(
    {"name", "description", "model_group_id", "is_enabled", "rate_limiter", "model_config", "deploy_setting",
     "connector_id", "connector", "guardrails", "interface"}
)  # fmt: skip

IdLookup = Callable[[ResourceKey], str | None]


def ml_name(key: ResourceKey, body: Mapping[str, Any] | None) -> str:
    """The ML name of a resource: ``body.name``, defaulting to its logical name."""
    name = (body or {}).get("name")
    return name if isinstance(name, str) and name else key.name


def with_credential(body: Mapping[str, Any], credential: Mapping[str, SecretStr] | None) -> dict[str, Any]:
    """A copy of a connector body with its credential values (only when there are any)."""
    filled = dict(body)
    if credential:
        filled["credential"] = {name: value.get_secret_value() for name, value in sorted(credential.items())}
    return filled


def resolve_reference(kind: Kind, name: str, lookup: IdLookup) -> str:
    """The id of a referenced resource; PlanError when it is neither applied nor owned."""
    resource_id = lookup(ResourceKey(kind, name))
    if resource_id is None:
        raise PlanError(f"{kind.value}/{name} is referenced but does not exist on the target; apply it first")
    return resource_id


def build_model_body(
    body: Mapping[str, Any],
    credential: Mapping[str, SecretStr] | None,
    lookup: IdLookup,
    *,
    update: bool = False,
) -> dict[str, Any]:
    """A model register (or update) body: ``model_group``/``connector`` names become ids.

    An inline connector (a mapping under ``connector``) gets the model's credential values.
    """
    built = {name: value for name, value in body.items() if name not in ("model_group", "connector")}
    group = body.get("model_group")
    if isinstance(group, str):
        built["model_group_id"] = resolve_reference(Kind.MODEL_GROUP, group, lookup)
    connector = body.get("connector")
    if isinstance(connector, str):
        built["connector_id"] = resolve_reference(Kind.CONNECTOR, connector, lookup)
    elif isinstance(connector, Mapping):
        built["connector"] = with_credential(connector, credential)
    if update:
        return {name: value for name, value in built.items() if name in MODEL_UPDATE_FIELDS}
    built.setdefault("function_name", "remote")
    return built


def reset_settings(body: Mapping[str, Any]) -> dict[str, Any]:
    """A ``_cluster/settings`` body that resets every setting named in ``body`` to its default."""
    return {
        scope: {name: None for name in values}
        for scope, values in body.items()
        if scope in ("persistent", "transient") and isinstance(values, Mapping)
    }
