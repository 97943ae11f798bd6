"""Connector findings shared by equal connector bodies within one load (thousands share a few bodies)."""

from collections.abc import Callable
from dataclasses import replace
from typing import TypeVar, cast

from mlgitops.manifests.connector_checks import ConnectorContext, Finding, connector_findings
from mlgitops.model.resources import ConnectorSpec

_Key = tuple[object, ...]
_T = TypeVar("_T")
_NOT_CHECKED = {"name", "description"}


class ConnectorMemo:
    """``connector_findings`` by body and settings: each distinct body is checked once per load.

    What is found never depends on a connector's name or description: each body is checked with
    both left out, so every connector differing only there shares one result.
    """

    def __init__(self) -> None:
        """An empty memo (one per load: the settings it was given may change between loads)."""
        self._found: dict[_Key, tuple[Finding, ...]] = {}
        self._bodies: dict[int, tuple[ConnectorSpec, _Key]] = {}  # by id: the spec is kept, so is its id
        self._by_body: dict[tuple[_Key, object], object] = {}

    def findings(self, ctx: ConnectorContext) -> tuple[Finding, ...]:
        """What ``connector_findings`` gives for ``ctx``, computed once per distinct key."""
        key = memo_key(ctx)
        if key is None:
            return connector_findings(ctx)
        self._bodies[id(ctx.spec)] = (ctx.spec, key[:2])
        found = self._found.get(key)
        if found is None:
            found = self._found[key] = connector_findings(replace(ctx, spec=shared_spec(ctx.spec)))
        return found

    def __len__(self) -> int:
        """Distinct bodies checked."""
        return len(self._found)

    def of_body(self, spec: ConnectorSpec, check: Callable[[ConnectorSpec], _T]) -> _T:
        """``check(spec)`` for a check that reads only the body (not name or description).

        A body already keyed by ``findings`` shares one result with every equal body; any other spec
        is checked on its own.
        """
        known = self._bodies.get(id(spec))
        if known is None or known[0] is not spec:
            return check(spec)
        key = (known[1], check)
        if key not in self._by_body:
            self._by_body[key] = check(spec)
        return cast(_T, self._by_body[key])


def memo_key(ctx: ConnectorContext) -> _Key | None:
    """Everything the checks read, or None when the body's JSON text could stand for another body.

    JSON text is one-to-one for the typed fields and string values; it is not for floats that are
    not finite (all written ``null``) nor for mappings with non-string keys, which only the free
    ``parameters`` values (and a float ``version``) can hold: such bodies are not shared.
    """
    spec = ctx.spec
    if isinstance(spec.version, float) or not all(isinstance(v, str) for v in spec.parameters.values()):
        return None
    text = spec.model_dump_json(exclude=_NOT_CHECKED)
    return (
        type(spec),
        text,
        ctx.prefix,
        ctx.trusted,
        ctx.allow_plaintext,
        ctx.private_ip_enabled,
        ctx.required_inputs,
    )


def shared_spec(spec: ConnectorSpec) -> ConnectorSpec:
    """``spec`` as the memo checks it: name and description left out."""
    return spec.model_copy(update={"name": None, "description": None})
