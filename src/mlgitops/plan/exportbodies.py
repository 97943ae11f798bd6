"""One imported resource's spec from the target's document: only the fields a manifest sets; pure.

A credential is never in a document the target returns (ML Commons leaves it out), and neither are
its keys: they are taken from the ``${credential.KEY}`` placeholders of the connector's actions (and
``access_key``/``secret_key`` for ``aws_sigv4``), each as an ``{env: NAME}`` reference.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from mlgitops.model.mlcommons import DEFAULT_CLIENT_CONFIG
from mlgitops.model.resources import ConnectorAction
from mlgitops.plan.compare import DEPLOYED_STATES
from mlgitops.plan.dependents import AGENT_FIELDS, PIPELINE_FIELDS, without_default_tool_output
from mlgitops.plan.exportnames import NameBook, build_env_name
from mlgitops.plan.normalize import parse_json_string

__all__ = ["PIPELINE_FIELDS", "CredentialHint", "build_agent_spec", "build_connector_spec", "pick"]

Json = Mapping[str, Any]
ACTION_FIELDS = tuple(ConnectorAction.model_fields)
TOOL_FIELDS = ("type", "name", "description", "parameters", "attributes", "include_output_in_agent_response")
_CREDENTIAL_PLACEHOLDER = re.compile(r"\$\{credential\.([A-Za-z0-9_-]+)")
SIGV4_KEYS = ("access_key", "secret_key")
UNKNOWN_KEY = "key"


@dataclass(frozen=True)
class CredentialHint:
    """A credential to provide before adopting: ``env`` holds the value of ``key`` of ``owner``."""

    env: str
    key: str
    owner: str
    ml_name: str
    known: bool = True  # False: no placeholder names the key; the manifest guesses it

    def comment(self) -> str:
        """The YAML comment next to the reference: which value to provide."""
        if not self.known:
            return (
                f"set {self.env}; no ${{credential.*}} placeholder names this key: replace '{self.key}' "
                "with the credential key stored on the target"
            )
        return (
            f"set {self.env} to credential '{self.key}' of {self.owner} ('{self.ml_name}'); not readable back"
        )


def pick(document: Json, fields: tuple[str, ...]) -> dict[str, Any]:
    """The listed fields of ``document`` that hold something, in the listed order."""
    return {key: document[key] for key in fields if document.get(key) not in (None, "", [], {})}


def _access(document: Json) -> dict[str, Any]:
    out = pick(document, ("backend_roles",))
    # Without access control every group and connector reads back "public": only other modes say something.
    if document.get("access") not in (None, "", "public"):
        out["access_mode"] = document["access"]
    return out


def _named(spec: dict[str, Any], document: Json, name: str) -> dict[str, Any]:
    """``spec`` with ``name`` first when the target's name is not the logical one."""
    ml_name = document.get("name")
    return {"name": ml_name, **spec} if isinstance(ml_name, str) and ml_name != name else spec


def build_group_spec(document: Json, name: str) -> dict[str, Any]:
    """A ModelGroup spec."""
    return _named({**pick(document, ("description",)), **_access(document)}, document, name)


def credential_keys(document: Json) -> tuple[list[str], bool]:
    """The credential keys a connector's actions use (sorted), and False when none could be found."""
    texts = [str(value) for action in document.get("actions") or [] for value in _values(action)]
    keys = {match for text in texts for match in _CREDENTIAL_PLACEHOLDER.findall(text)}
    if str(document.get("protocol", "")).lower() == "aws_sigv4":
        keys |= set(SIGV4_KEYS)
    return (sorted(keys), True) if keys else ([UNKNOWN_KEY], False)


def _values(value: Any) -> list[Any]:
    if isinstance(value, Mapping):
        return [leaf for item in value.values() for leaf in _values(item)]
    if isinstance(value, list):
        return [leaf for item in value for leaf in _values(item)]
    return [value]


def _action(action: Json) -> dict[str, Any]:
    out = pick(action, ACTION_FIELDS)
    for key in ("action_type", "method"):
        if isinstance(out.get(key), str):
            out[key] = out[key].lower() if key == "action_type" else out[key].upper()
    return out


def build_connector_spec(
    document: Json, owner_name: str, env_names: NameBook, *, inline: bool, owner_kind: str = "Connector"
) -> tuple[dict[str, Any], list[CredentialHint]]:
    """A Connector (or inline connector) spec, and one hint per credential reference in it."""
    spec: dict[str, Any] = pick(document, ("description",))
    spec["version"] = str(document.get("version") or "1")
    spec["protocol"] = document.get("protocol")
    spec |= pick(document, ("parameters",))
    keys, known = credential_keys(document)
    hints = [
        CredentialHint(
            env_names.claim(build_env_name(owner_name, key), separator="_"),
            key, f"{owner_kind}/{owner_name}", str(document.get("name") or owner_name), known,
        )
        for key in keys
    ]  # fmt: skip
    spec["credential"] = {hint.key: {"env": hint.env} for hint in hints}
    spec["actions"] = [_action(action) for action in document.get("actions") or []]
    config = {
        key: value
        for key, value in (document.get("client_config") or {}).items()
        if value is not None and DEFAULT_CLIENT_CONFIG.get(key) != value
    }
    if config:
        spec["client_config"] = config
    spec |= _access(document)
    if inline:
        return ({"name": document["name"], **spec} if document.get("name") else spec), hints
    return _named(spec, document, owner_name), hints


def _model_connector(
    document: Json, name: str, names: Mapping[str, str], env_names: NameBook
) -> tuple[dict[str, Any], list[CredentialHint], str]:
    inline = document.get("connector")
    if isinstance(inline, Mapping):
        spec, hints = build_connector_spec(inline, name, env_names, inline=True, owner_kind="Model")
        return {"inline_connector": spec}, hints, ""
    connector_id = document.get("connector_id")
    if isinstance(connector_id, str) and connector_id in names:
        return {"connector": names[connector_id]}, [], ""
    return {}, [], f"its connector {connector_id} is neither imported nor managed"


def build_model_spec(
    document: Json, name: str, names: Mapping[str, str], env_names: NameBook
) -> tuple[dict[str, Any] | None, list[CredentialHint], str]:
    """A Model spec (None, and why, when it cannot be one), with its inline connector's credentials."""
    algorithm = document.get("algorithm") or document.get("function_name")  # stored as "algorithm"
    if str(algorithm).lower() != "remote":
        return None, [], f"function_name {algorithm!r} (only remote models are managed)"
    connector, hints, why = _model_connector(document, name, names, env_names)
    if why:
        return None, [], why
    spec: dict[str, Any] = {"function_name": "remote", **pick(document, ("description",))}
    group_id = document.get("model_group_id")
    if isinstance(group_id, str) and group_id in names:
        spec["model_group"] = names[group_id]
    spec |= connector
    spec |= _model_extras(document)
    spec["deployed"] = str(document.get("model_state", "")).upper() in DEPLOYED_STATES
    return _named(spec, document, name), hints, ""


def _model_extras(document: Json) -> dict[str, Any]:
    out = pick(document, ("rate_limiter", "deploy_setting", "guardrails", "model_config"))
    if document.get("is_enabled") is False:
        out["is_enabled"] = False
    interface = document.get("interface")
    if isinstance(interface, Mapping):
        parsed = {key: parse_json_string(value) for key, value in interface.items() if value}
        if parsed:
            out["interface"] = parsed
    return out


def build_agent_spec(document: Json, name: str) -> dict[str, Any]:
    """An Agent spec (``name`` always: agents are found by it)."""
    spec = pick(document, AGENT_FIELDS)
    spec["name"] = document.get("name") or name
    if isinstance(spec.get("tools"), list):
        spec["tools"] = [_tool(tool) for tool in spec["tools"] if isinstance(tool, Mapping)]
    return spec


def _tool(tool: Json) -> dict[str, Any]:
    return dict(without_default_tool_output(pick(tool, TOOL_FIELDS)))
