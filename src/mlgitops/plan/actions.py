"""Plan vocabulary: verbs, changes, actions and the plan itself (frozen, serialisable)."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from mlgitops.model.resources import ResourceKey


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
    applied) and never any credential value. ``depends_on`` lists indexes of earlier actions.
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

    @property
    def symbol(self) -> str:
        """Terraform-like symbol of the verb."""
        return SYMBOLS[self.verb]


@dataclass(frozen=True)
class Plan:
    """An ordered list of actions, with the fingerprint of the actual state it was made from."""

    actions: tuple[Action, ...]
    fingerprint: str = ""
    target: str = ""
    warnings: tuple[str, ...] = field(default_factory=tuple)

    @property
    def is_empty(self) -> bool:
        """True when there is nothing to do."""
        return not self.actions
