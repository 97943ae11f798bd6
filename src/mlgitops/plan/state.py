"""Desired and actual state as the planner sees them: plain frozen data, no I/O."""

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from mlgitops.model.resources import ResourceKey


@dataclass(frozen=True)
class DesiredResource:
    """One resource as the manifests want it.

    ``body`` is the ML Commons request body built from the spec, with references to other resources
    by logical name (``model_group``/``connector`` keys) and without credential values; credentials
    are represented only by ``secret_digests`` (credential key -> keyed HMAC of the value).
    """

    key: ResourceKey
    body: Mapping[str, Any]
    secret_digests: Mapping[str, str] = field(default_factory=dict)
    deployed: bool | None = None
    protected: bool = False
    depends_on: tuple[ResourceKey, ...] = ()
    source: str = ""
    connector_change: str = "auto"  # Models: auto, blue_green or in_place (see ModelSpec)


@dataclass(frozen=True)
class OwnershipRecord:
    """mlgitops' record of a resource it manages, kept in the target itself (index ``.mlgitops``)."""

    key: ResourceKey
    resource_id: str
    secret_digests: Mapping[str, str] = field(default_factory=dict)
    protected: bool = False
    run_id: str = ""


@dataclass(frozen=True)
class ActualResource:
    """One resource as the target has it: the raw GET document (credentials never included)."""

    key: ResourceKey
    resource_id: str
    document: Mapping[str, Any]
    record: OwnershipRecord | None = None

    @property
    def owned(self) -> bool:
        """True when mlgitops manages this resource."""
        return self.record is not None


@dataclass(frozen=True)
class ActualState:
    """Everything read from the target for one plan.

    ``resources`` holds owned resources by key, and ``unowned`` the existing resources whose ML name
    matches a desired one but that mlgitops does not own (never touched unless adopted explicitly).
    ``ids`` maps every known resource id to its key so references can be shown by logical name.
    ``fingerprint`` changes whenever anything the plan depends on changes (stale saved plans).
    ``pending`` describes, per resource, the journalled steps of an interrupted run (e.g. ``create by
    run run-1a2b``) that the next reconcile recovers before it plans.
    """

    resources: Mapping[ResourceKey, ActualResource]
    unowned: Mapping[ResourceKey, ActualResource] = field(default_factory=dict)
    settings: Mapping[str, Any] = field(default_factory=dict)
    fingerprint: str = ""
    pending: Mapping[ResourceKey, str] = field(default_factory=dict)

    def key_for_id(self, resource_id: str) -> ResourceKey | None:
        """The logical key of an owned resource id, if any."""
        return self._keys_by_id.get(resource_id)

    @functools.cached_property
    def _keys_by_id(self) -> dict[str, ResourceKey]:
        keys: dict[str, ResourceKey] = {}
        for key, resource in self.resources.items():
            keys.setdefault(resource.resource_id, key)
        return keys
