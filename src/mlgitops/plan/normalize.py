"""Per-kind normalisers applied to both sides of a diff, so what the server echoes back compares equal.

ML Commons 2.19 echoes a body back differently from how it was sent (mlcommons-api.md 1.2, 1.3):
``action_type`` in upper case, ``version`` as a string, non-string ``parameters`` as compact JSON
strings, every ``client_config`` field filled with its default, ``interface`` schemas as JSON
strings (and sometimes auto-filled), ids instead of names, and many server-owned fields
(``created_time``, ``owner``, ``model_state``...). Only the fields a manifest can set are compared
(a whitelist per kind), empty values equal missing ones, and JSON held in strings is compared parsed.
"""

import json
from collections.abc import Callable, Iterable, Mapping
from functools import lru_cache
from typing import Any

from mlgitops.model.jsonvalues import JSON_SCALARS
from mlgitops.model.mlcommons import DEFAULT_CLIENT_CONFIG, NEUTRAL_RATE_LIMITER
from mlgitops.model.resources import Kind

# Maps an id found in an actual document to the logical name to show (or ``id:<id>`` when unknown).
NameOf = Callable[[Kind, str], str]

GROUP_FIELDS = ("name", "description", "backend_roles", "access_mode")
CONNECTOR_FIELDS = (
    "name",
    "description",
    "version",
    "protocol",
    "parameters",
    "actions",
    "client_config",
    "backend_roles",
    "access_mode",
)
MODEL_FIELDS = (
    "name",
    "description",
    "model_group",
    "connector",
    "is_enabled",
    "rate_limiter",
    "deploy_setting",
    "guardrails",
    "interface",
    "model_config",
)


def canonical_json_text(value: Any) -> str:
    """Compact JSON as ML Commons' Gson writes a non-string value (sorted keys, for comparison)."""
    return json.dumps(value, separators=(",", ":"), sort_keys=True, ensure_ascii=False)


def parse_json_string(value: Any) -> Any:
    """A string holding a JSON object or array, parsed; anything else unchanged."""
    if isinstance(value, str) and value.strip()[:1] in {"{", "["}:
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


@lru_cache(maxsize=4096)
def _parsed_text(text: str) -> Any:
    return parse_json_string(text)


def _parsed(value: Any) -> Any:
    """``parse_json_string`` remembered per text (thousands of connectors share a few bodies).

    The parsed value is shared: only for results that ``drop_empty`` copies before anything keeps them.
    """
    if isinstance(value, str) and len(value) <= 65536:
        return _parsed_text(value)
    return parse_json_string(value)


def drop_empty(value: Any) -> Any:
    """Recursively remove None, empty strings, empty mappings and empty lists from mappings."""
    kind = type(value)
    if kind is str or kind is int or kind is bool or kind is float or value is None:
        return value  # most values: answered by type identity, before any (slower) isinstance
    if kind is list:
        return [drop_empty(item) for item in value]
    if kind is dict or isinstance(value, Mapping):
        cleaned: dict[Any, Any] = {}
        for key, item in value.items():
            if item is None or item == "":
                continue
            item_kind = type(item)
            if item_kind is dict or item_kind is list or not isinstance(item, JSON_SCALARS):
                item = drop_empty(item)
                if not item and type(item) in (dict, list):
                    continue
            cleaned[key] = item
        return cleaned
    if isinstance(value, list):
        return [drop_empty(item) for item in value]
    return value


def identical_when_cleaned(left: Any, right: Any) -> bool:
    """True when ``drop_empty`` of both sides gives identical values, found without copying either.

    Equal types all the way down, as ``diffing`` compares (``1``, ``1.0`` and ``True`` differ). Only
    plain JSON (dict, list, str, int, float, bool, None) is judged: anything else answers False, so a
    caller falls back to cleaning both sides and comparing them.
    """
    try:
        return _same_cleaned(left, right)
    except _NotPlainError:
        return False


class _NotPlainError(Exception):
    """A value that is not plain JSON: ``identical_when_cleaned`` leaves it to the full comparison."""


_PLAIN_SCALARS = frozenset(JSON_SCALARS)  # matched by exact type: a subclass (IntEnum...) is not plain


def _same_cleaned(left: Any, right: Any) -> bool:
    kind = type(left)
    if kind is dict:
        return type(right) is dict and _same_cleaned_mappings(left, right)
    if kind is list:
        if type(right) is not list:
            _require_plain(right)
            return False
        return len(left) == len(right) and all(map(_same_cleaned, left, right))
    if kind not in _PLAIN_SCALARS:
        raise _NotPlainError
    if type(right) is not kind:
        _require_plain(right)
        return False
    return bool(left == right)


def _same_cleaned_mappings(left: dict[Any, Any], right: dict[Any, Any]) -> bool:
    if left.keys() != right.keys():
        return _same_kept_entries(left, right)
    for key, value in left.items():
        other = right[key]
        kind = type(value)
        if kind is type(other) and (kind is str or kind is int or kind is bool or kind is float):
            if value != other:  # the usual leaf, compared without a call
                return False
            continue
        away = _cleaned_away(value)
        if away is not _cleaned_away(other) or not (away or _same_cleaned(value, other)):
            return False
    return True


def _same_kept_entries(left: dict[Any, Any], right: dict[Any, Any]) -> bool:
    """Mappings with other keys: the same once the entries ``drop_empty`` leaves out are gone."""
    kept = 0
    for key, value in left.items():
        if _cleaned_away(value):
            continue
        if key not in right:
            return False
        other = right[key]
        if _cleaned_away(other) or not _same_cleaned(value, other):
            return False
        kept += 1
    return kept == sum(1 for other in right.values() if not _cleaned_away(other))


def _cleaned_away(value: Any) -> bool:
    """True when ``drop_empty`` leaves ``value`` out of the mapping holding it."""
    kind = type(value)
    if kind is str:
        return not value
    if value is None:
        return True
    if kind is dict:
        return all(map(_cleaned_away, value.values()))
    if kind is list:
        return not value
    if kind not in _PLAIN_SCALARS:
        raise _NotPlainError
    return False


def _require_plain(value: Any) -> None:
    if type(value) not in _PLAIN_SCALARS and type(value) is not dict and type(value) is not list:
        raise _NotPlainError


def normalize_parameters(parameters: Mapping[str, Any]) -> dict[str, Any]:
    """Parameters as the server stores them: strings, with JSON inside compared parsed.

    Parsed values are shared with other calls (``_parsed``): copy them (``drop_empty``) before changing them.
    """
    out: dict[str, Any] = {}
    for key, value in parameters.items():
        text = value if isinstance(value, str) else canonical_json_text(value)
        out[key] = _parsed(text)
    return out


def normalize_action(action: Mapping[str, Any]) -> dict[str, Any]:
    """One connector action: upper-case type and method, request_body parsed when it is JSON.

    A parsed request_body is shared with other calls (``_parsed``): copy it before changing it.
    """
    out = dict(action)
    if isinstance(out.get("action_type"), str):
        out["action_type"] = out["action_type"].upper()
    if isinstance(out.get("method"), str):
        out["method"] = out["method"].upper()
    if "request_body" in out:
        out["request_body"] = _parsed(out["request_body"])
    return out


def normalize_client_config(config: Mapping[str, Any] | None) -> dict[str, Any]:
    """A client_config with every omitted field at its 2.19 default (policy lower-case)."""
    filled: dict[str, Any] = dict(DEFAULT_CLIENT_CONFIG)
    filled.update({key: value for key, value in (config or {}).items() if value is not None})
    if isinstance(filled.get("retry_backoff_policy"), str):
        filled["retry_backoff_policy"] = filled["retry_backoff_policy"].lower()
    return filled


def normalize_connector(body: Mapping[str, Any], *, access_wanted: bool) -> dict[str, Any]:
    """A connector body or GET document, reduced to comparable fields."""
    return drop_empty(connector_fields(body, access_wanted=access_wanted))  # type: ignore[no-any-return]


def connector_fields(body: Mapping[str, Any], *, access_wanted: bool) -> dict[str, Any]:
    """``normalize_connector`` before its empty values are dropped."""
    doc = dict(body)
    if "access" in doc and "access_mode" not in doc and access_wanted:
        doc["access_mode"] = doc["access"]
    out = {key: doc[key] for key in CONNECTOR_FIELDS if key in doc}
    if "version" in out:
        out["version"] = str(out["version"])
    out["parameters"] = normalize_parameters(doc.get("parameters") or {})
    out["actions"] = [normalize_action(action) for action in doc.get("actions") or []]
    out["client_config"] = normalize_client_config(doc.get("client_config"))
    return out


def normalize_group(body: Mapping[str, Any], *, access_wanted: bool) -> dict[str, Any]:
    """A model group body or GET document, reduced to comparable fields."""
    doc = dict(body)
    if "access" in doc and "access_mode" not in doc and access_wanted:
        doc["access_mode"] = doc["access"]
    return drop_empty({key: doc[key] for key in GROUP_FIELDS if key in doc})  # type: ignore[no-any-return]


def without_granted_roles(before: dict[str, Any], desired: Mapping[str, Any]) -> dict[str, Any]:
    """``before`` without ``backend_roles`` when the manifest asks for ``add_all_backend_roles``.

    The server then stores the creator's backend roles itself; they are its answer, not drift.
    """
    if desired.get("add_all_backend_roles") and not desired.get("backend_roles"):
        return {key: value for key, value in before.items() if key != "backend_roles"}
    return before


def normalize_model(body: Mapping[str, Any], *, wanted: Mapping[str, Any], name_of: NameOf) -> dict[str, Any]:
    """A model register body or GET document, reduced to comparable fields.

    ``wanted`` is the normalised desired body: server defaults it does not set (an auto-filled
    ``interface``, the group created after the model's name) are ignored.
    """
    return drop_empty(model_fields(body, wanted=wanted, name_of=name_of))  # type: ignore[no-any-return]


def model_fields(body: Mapping[str, Any], *, wanted: Mapping[str, Any], name_of: NameOf) -> dict[str, Any]:
    """``normalize_model`` before its empty values are dropped."""
    doc = dict(body)
    if "model_group_id" in doc:
        doc["model_group"] = name_of(Kind.MODEL_GROUP, str(doc.pop("model_group_id")))
    if "connector_id" in doc:
        doc["connector"] = name_of(Kind.CONNECTOR, str(doc.pop("connector_id")))
    out = {key: doc[key] for key in MODEL_FIELDS if key in doc}
    if isinstance(out.get("connector"), Mapping):
        out["connector"] = normalize_connector(out["connector"], access_wanted=False)
    if out.get("is_enabled") is True:
        del out["is_enabled"]
    if isinstance(out.get("rate_limiter"), Mapping):
        limiter = dict(out["rate_limiter"])
        out["rate_limiter"] = {
            **limiter,
            "limit": str(limiter.get("limit")),
            "unit": str(limiter.get("unit")).upper(),
        }
        if out["rate_limiter"] == NEUTRAL_RATE_LIMITER:
            del out["rate_limiter"]  # how "no rate limiter" is applied: an update cannot remove one
    if isinstance(out.get("interface"), Mapping):
        out["interface"] = {key: _parsed(value) for key, value in out["interface"].items()}
    _ignore_unwanted(out, wanted)
    return out


def _ignore_unwanted(out: dict[str, Any], wanted: Mapping[str, Any]) -> None:
    for field in ("model_group", "interface", "deploy_setting"):
        if field not in wanted:
            out.pop(field, None)
    if isinstance(out.get("interface"), Mapping) and isinstance(wanted.get("interface"), Mapping):
        # An update merges interface key by key: a key the manifest leaves out (the preset's input
        # when only output is set) stays on the server and is not the manifest's to compare.
        keep = wanted["interface"]
        out["interface"] = {key: value for key, value in out["interface"].items() if key in keep}
    if isinstance(out.get("deploy_setting"), Mapping):
        keep = wanted["deploy_setting"]
        out["deploy_setting"] = {key: value for key, value in out["deploy_setting"].items() if key in keep}


def normalize_setting(value: Any) -> Any:
    """A cluster setting value as ``_cluster/settings`` returns it: strings (lists of strings)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return [normalize_setting(item) for item in value]
    return value if isinstance(value, str) else str(value)


def normalize_settings(settings: Mapping[str, Any], keys: Iterable[str]) -> dict[str, Any]:
    """The given setting keys only, normalised (absent keys left out)."""
    return {key: normalize_setting(settings[key]) for key in keys if key in settings}
