"""Field-by-field differences between normalised documents: the only deepdiff user.

deepdiff's tree view is turned into our own ``Change`` tuples with dotted paths
(``actions[0].url``). Credentials are never diffed by value: their changes come from comparing
keyed digests and are shown as ``(sensitive value changed)``.
"""

from collections.abc import Mapping
from typing import Any

from deepdiff import DeepDiff
from deepdiff.helper import NotPresent

from mlgitops.plan.actions import Change

SENSITIVE = "(sensitive value)"
SENSITIVE_CHANGED = "(sensitive value changed)"


def format_path(parts: list[Any]) -> str:
    """``['actions', 0, 'url']`` -> ``actions[0].url``."""
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def _value(value: Any) -> Any:
    return None if isinstance(value, NotPresent) else value


def build_changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> tuple[Change, ...]:
    """Every changed leaf (or added/removed subtree) from ``before`` to ``after``, sorted by path."""
    diff = DeepDiff(dict(before), dict(after), view="tree", verbose_level=2)
    changes: list[Change] = []
    for levels in diff.values():
        for level in levels:
            path = format_path(level.path(output_format="list"))
            changes.append(Change(path, _value(level.t1), _value(level.t2)))
    return tuple(sorted(changes, key=lambda change: change.path))


def build_secret_changes(
    prefix: str, recorded: Mapping[str, str] | None, desired: Mapping[str, str]
) -> tuple[Change, ...]:
    """Credential keys whose digest differs from the recorded one (values never shown).

    ``recorded`` None means nothing is known (an adopted resource): every credential is sent.
    """
    known = recorded or {}
    changes: list[Change] = []
    for name in sorted(set(known) | set(desired)):
        if known.get(name) == desired.get(name):
            continue
        before = SENSITIVE if name in known else None
        after = SENSITIVE_CHANGED if name in desired else None
        changes.append(Change(f"{prefix}{name}", before, after, sensitive=True))
    return tuple(changes)
