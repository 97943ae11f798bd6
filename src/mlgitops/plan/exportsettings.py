"""The ``plugins.ml_commons.*`` settings a target sets to other than their 2.19.1 default, as a spec; pure."""

from collections.abc import Mapping
from typing import Any

from mlgitops.model.mlsettings import (
    BY_NAME,
    ML_PREFIX,
    SCOPES,
    SettingValueError,
    Updatability,
    parse_value,
    render_value,
)


def _typed(name: str, value: Any) -> tuple[Any, str]:
    """The value as a manifest writes it (booleans and numbers typed), or why it is left out."""
    setting = BY_NAME.get(name)
    if setting is None:
        return None, "not a known ML Commons 2.19.1 setting"
    if setting.updatability is not Updatability.DYNAMIC:
        return None, f"{setting.updatability.value} (opensearch.yml only)"
    try:
        typed = parse_value(setting, value)
    except SettingValueError as exc:
        return None, str(exc)
    if render_value(typed) == render_value(setting.default):
        return None, ""
    # Keep the server's text when typing it would change how it reads back (e.g. "1.50").
    return (typed if render_value(typed) == render_value(value) else value), ""


def build_settings_spec(settings: Mapping[str, Mapping[str, Any]]) -> tuple[dict[str, Any], list[str]]:
    """``{persistent: {...}, transient: {...}}`` of non-default ML settings, and what was left out.

    A key set in both scopes is written as transient only: that is the value in effect.
    """
    transient_keys = set(settings.get("transient", {}))
    spec: dict[str, Any] = {}
    skipped: list[str] = []
    for scope in SCOPES:
        values: dict[str, Any] = {}
        for name, value in sorted(settings.get(scope, {}).items()):
            if not name.startswith(ML_PREFIX) or (scope == "persistent" and name in transient_keys):
                continue
            typed, why = _typed(name, value)
            if why:
                skipped.append(f"cluster setting {name} left out: {why}")
            elif typed is not None:
                values[name] = typed
        if values:
            spec[scope] = values
    return spec, skipped
