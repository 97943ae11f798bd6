"""Plan vocabulary: verbs, changes, actions and the plan itself (frozen, serialisable)."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from mlgitops.model.resources import Kind, ResourceKey


class Verb(StrEnum):
    """What an action does to a resource."""

    CREATE = "create"
    REGISTER = "register"
    UPDATE = "update"
    REPLACE = "replace"
    DEPLOY = "deploy"
    UNDEPLOY = "undeploy"
    DELETE = "delete"
    ADOPT = "adopt"


SYMBOLS: Mapping[Verb, str] = {
    Verb.CREATE: "+",
    Verb.REGISTER: "+",
    Verb.UPDATE: "~",
    Verb.REPLACE: "-/+",
    Verb.DEPLOY: ">",
    Verb.UNDEPLOY: "<",
    Verb.DELETE: "-",
    Verb.ADOPT: "=",
}


@dataclass(frozen=True)
class Change:
    """One changed field; ``before``/``after`` are masked when ``sensitive``."""

    path: str
    before: Any
    after: Any
    sensitive: bool = False


@dataclass(frozen=True)
class Action:
    """One step of a plan.

    ``body`` is the request body to send, with references by logical name (resolved to ids when
    applied) and never any credential value: in a Model body ``model_group`` is a ModelGroup's
    logical name, ``connector`` a Connector's logical name (a string) or an inline connector (a
    mapping, whose ``credential`` the backend fills from the secrets). ``depends_on`` lists indexes
    of earlier actions. ``secret_digests`` and ``protected`` are what the ownership record must hold
    after the step. Verb semantics for a backend:

    * CREATE/REGISTER/REPLACE: create (register, for models) a new resource from ``body`` and point
      the record at the new id; for REPLACE the old resource (``resource_id``) is removed by a later
      DELETE action of the same key (create before destroy).
    * UPDATE: send ``body`` (a PUT; ClusterSettings: the ``PUT _cluster/settings`` body) to
      ``resource_id`` (None for a resource replaced earlier in the plan: use the record's id).
      ``body`` None means nothing changes on the server: only rewrite the ownership record (e.g.
      ``metadata.protected`` changed).
    * DEPLOY/UNDEPLOY: the model ``resource_id`` (None: the record's id, e.g. after a REPLACE).
    * DELETE: delete ``resource_id``; drop the record only when it still points at that id.
    * ADOPT: write the ownership record for the existing unowned ``resource_id``.
    """

    index: int
    verb: Verb
    key: ResourceKey
    reason: str
    changes: tuple[Change, ...] = ()
    body: Mapping[str, Any] | None = None
    resource_id: str | None = None
    depends_on: tuple[int, ...] = ()
    disruptive: bool = False
    secret_digests: Mapping[str, str] = field(default_factory=dict)
    protected: bool = False

    @property
    def symbol(self) -> str:
        """Terraform-like symbol of the verb."""
        return SYMBOLS[self.verb]


def model_group_of(action: Action) -> str | None:
    """The logical name of the model group a Model action's body puts the model in (None otherwise)."""
    group = (action.body or {}).get("model_group")
    return group if action.key.kind is Kind.MODEL and isinstance(group, str) else None


@dataclass(frozen=True)
class Plan:
    """An ordered list of actions, with the fingerprint of the actual state it was made from."""

    actions: tuple[Action, ...]
    fingerprint: str = ""
    target: str = ""
    warnings: tuple[str, ...] = field(default_factory=tuple)
    kept: tuple[ResourceKey, ...] = field(default_factory=tuple)

    @property
    def is_empty(self) -> bool:
        """True when there is nothing to do."""
        return not self.actions
