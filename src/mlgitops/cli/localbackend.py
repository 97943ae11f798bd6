"""The backend of a ``local:DIR`` target: the REST backend, plus what only the engine itself can tell.

A stored credential whose ciphertext no longer decrypts (a damaged or tampered engine store) is
invisible through the REST API, so plans would say "No changes" until a predict fails. Reading the
state of a local target therefore asks the engine which values are unreadable, marks those
credentials as changed in the ownership records (the plan re-applies them) and keeps a warning for
each, which ``plan`` shows.
"""

from collections.abc import Sequence
from dataclasses import replace

from mlgitops.backends.opensearch.backend import OpenSearchBackend
from mlgitops.backends.opensearch.client import MLCommonsClient
from mlgitops.engine import LocalEngine
from mlgitops.engine.resources.integrity import UnreadableValue
from mlgitops.plan.actions import Plan
from mlgitops.plan.state import ActualResource, ActualState, DesiredResource

UNREADABLE_DIGEST = "unreadable"
REAPPLY = "reconcile re-applies it"  # how a plan's warning about an unreadable value ends


class LocalEngineBackend(OpenSearchBackend):
    """An OpenSearchBackend over the in-process engine that also reports unreadable credentials."""

    def __init__(self, client: MLCommonsClient, engine: LocalEngine) -> None:
        super().__init__(client)
        self.engine = engine
        self.warnings: tuple[str, ...] = ()

    def read_state(self, desired: Sequence[DesiredResource]) -> ActualState:
        """The target's state, with unreadable stored credentials marked as changed."""
        return self.read_state_marking(desired, self.engine.unreadable_values())

    def read_state_marking(
        self, desired: Sequence[DesiredResource], broken: Sequence[UnreadableValue], fix: str = REAPPLY
    ) -> ActualState:
        """``read_state`` with ``broken`` (found already) marked; each warning ends with ``fix``."""
        state = super().read_state(desired)
        state, warnings = mark_unreadable(state, broken, fix)
        self.warnings = tuple(warnings)
        return state


def mark_unreadable(
    state: ActualState, broken: Sequence[UnreadableValue], fix: str = REAPPLY
) -> tuple[ActualState, list[str]]:
    """``state`` with each unreadable credential's recorded digest replaced, and a warning per value."""
    if not broken:
        return state, []
    resources = dict(state.resources)
    warnings = []
    for value in broken:
        key = state.key_for_id(value.owner_id) if value.kind != "document" else None
        resource = resources.get(key) if key is not None else None
        if resource is None or resource.record is None:
            warnings.append(unmanaged_warning(value))
            continue
        resources[resource.key] = _marked(resource, value.credential_key)
        warnings.append(
            f"{resource.key}: the stored credential '{value.credential_key}' no longer decrypts (the engine "
            f"store was damaged or tampered with); {fix}"
        )
    return replace(state, resources=resources), warnings


def _marked(resource: ActualResource, credential_key: str) -> ActualResource:
    assert resource.record is not None
    digests = {**resource.record.secret_digests, credential_key: UNREADABLE_DIGEST}
    return replace(resource, record=replace(resource.record, secret_digests=digests))


def unmanaged_warning(value: UnreadableValue) -> str:
    """The warning for an unreadable value no ownership record names, with how to fix it."""
    if value.kind == "document":
        path = value.name.replace("/", "/_doc/", 1)
        fix = (
            f"delete the document (DELETE /{path} through `mlgitops engine serve`); the next reconcile "
            "creates a new key and re-applies every credential"
        )
    else:
        fix = (
            f"it is not managed by mlgitops: update the {value.kind}'s credential through the ML Commons API"
        )
    return f"{value.describe()} no longer decrypts; {fix}"


def with_warnings(plan: Plan, backend: object) -> Plan:
    """``plan`` with the local engine's warnings added (other backends have none)."""
    extra = getattr(backend, "warnings", ()) if isinstance(backend, LocalEngineBackend) else ()
    return replace(plan, warnings=(*plan.warnings, *extra)) if extra else plan
