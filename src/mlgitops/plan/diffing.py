"""Field-by-field differences between normalised documents: the only deepdiff user.

deepdiff's tree view is turned into our own ``Change`` tuples with dotted paths
(``actions[0].url``). Credentials are never diffed by value: their changes come from comparing
keyed digests and are shown as ``(sensitive value changed)``. Literal values of secret-looking
headers (possible only with ``--allow-plaintext-credentials``) are masked the same way.
"""

from collections.abc import Mapping
from typing import Any

from deepdiff import DeepDiff
from deepdiff.helper import NotPresent

from mlgitops.model.jsonvalues import JSON_SCALARS
from mlgitops.model.secrets import looks_secret
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


def is_scalar_list(value: Any) -> bool:
    """True for a list of strings, numbers, booleans or nulls (shown as items added/removed)."""
    return isinstance(value, list) and all(
        item is None or isinstance(item, str | int | float | bool) for item in value
    )


def _split_scalar_lists(
    before: dict[str, Any], after: dict[str, Any], prefix: list[Any], changes: list[Change]
) -> None:
    """Turn each changed list of scalars into one whole-list change, so that inserting one regex
    at the front of a list reads as one added item, not as every later index changed."""
    for key in before.keys() & after.keys():
        old, new = before[key], after[key]
        if isinstance(old, dict) and isinstance(new, dict):
            before[key], after[key] = dict(old), dict(new)
            _split_scalar_lists(before[key], after[key], [*prefix, key], changes)
        elif is_scalar_list(old) and is_scalar_list(new) and old != new:
            changes.append(Change(format_path([*prefix, key]), old, new))
            after[key] = old


def mask_header_literals(path: list[Any], value: Any) -> Any:
    """``value`` (found at ``path``) with every literal secret-looking header value masked."""
    if len(path) >= 2 and path[-2] == "headers" and isinstance(path[-1], str) and isinstance(value, str):
        secret = looks_secret(str(path[-1])) and "${" not in value
        return SENSITIVE if secret else value
    if isinstance(value, dict):
        return {key: mask_header_literals([*path, key], item) for key, item in value.items()}
    if isinstance(value, list):
        return [mask_header_literals([*path, i], item) for i, item in enumerate(value)]
    return value


def masked_change(parts: list[Any], before: Any, after: Any) -> Change:
    """The change at ``parts`` (path segments) as shown, literal secret-looking header values masked."""
    shown_before, shown_after = mask_header_literals(parts, before), mask_header_literals(parts, after)
    if shown_before == shown_after == SENSITIVE:
        shown_after = SENSITIVE_CHANGED
    shown = (shown_before, shown_after)
    masked = SENSITIVE in shown and all(value in (SENSITIVE, SENSITIVE_CHANGED, None) for value in shown)
    return Change(format_path(parts), shown_before, shown_after, sensitive=masked)


def _identical(left: Any, right: Any) -> bool:
    """Equal values of equal types all the way down (``1``, ``1.0`` and ``True`` differ, as for deepdiff)."""
    kind = type(left)
    if kind is not type(right):
        return isinstance(left, Mapping) and isinstance(right, Mapping) and _same_mappings(left, right)
    if kind is dict:  # the usual containers first, by type identity (isinstance on an ABC is slow)
        return _same_mappings(left, right)
    if kind is list or kind is tuple:
        return len(left) == len(right) and all(map(_identical, left, right))
    if isinstance(left, JSON_SCALARS):
        return bool(left == right)
    if isinstance(left, Mapping):
        return _same_mappings(left, right)
    if isinstance(left, list | tuple):
        return len(left) == len(right) and all(map(_identical, left, right))
    return bool(left == right)


def _same_mappings(left: Mapping[str, Any], right: Mapping[str, Any]) -> bool:
    if left.keys() != right.keys():
        return False
    for key, value in left.items():
        other = right[key]
        kind = type(value)
        if kind is type(other) and (kind is str or kind is int or kind is bool or kind is float):
            if value != other:  # the usual leaf, compared without a call
                return False
        elif not _identical(value, other):
            return False
    return True


def build_changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> tuple[Change, ...]:
    """Every changed leaf (or added/removed subtree) from ``before`` to ``after``, sorted by path.

    A changed list of scalars is one change holding both whole lists.
    """
    if _identical(before, after):
        return ()  # the common case of a converged target, without deepdiff's per-node cost
    changes: list[Change] = []
    before_copy, after_copy = dict(before), dict(after)
    _split_scalar_lists(before_copy, after_copy, [], changes)
    diff = DeepDiff(before_copy, after_copy, view="tree", verbose_level=2)
    for levels in diff.values():
        for level in levels:
            parts = level.path(output_format="list")
            changes.append(masked_change(parts, _value(level.t1), _value(level.t2)))
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
        after = None if name not in desired else SENSITIVE_CHANGED if name in known else SENSITIVE
        changes.append(Change(f"{prefix}{name}", before, after, sensitive=True))
    return tuple(changes)
