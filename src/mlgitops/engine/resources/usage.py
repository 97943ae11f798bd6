"""Which agents and pipelines use a model, and ML Commons' refusal to delete it (safe delete).

With ``plugins.ml_commons.safe_delete_model`` true, ML Commons 2.19 refuses (409) to delete a model
that an agent (``llm.model_id``, a tool's ``parameters.model_id``) or a pipeline (any ``model_id``)
still names; with the default (false) the delete goes through and those users break. Undeploying
such a model is always allowed.
"""

from typing import Protocol

from mlgitops.engine.storage.store import Transaction
from mlgitops.errors import EngineError


class ModelUsers(Protocol):
    """Agents or pipelines of one kind."""

    def using_model(self, tx: Transaction, model_id: str) -> list[str]:
        """Ids of the resources naming ``model_id``."""
        ...


def _listed(ids: list[str]) -> str:
    return "[" + ", ".join(ids) + "]"


def check_unused(
    tx: Transaction, model_id: str, agents: ModelUsers, ingest: ModelUsers, search: ModelUsers
) -> None:
    """409 naming the first kind of user found (agents, then ingest, then search pipelines)."""
    using = agents.using_model(tx, model_id)
    if using:
        raise EngineError(
            f"{len(using)} agents are still using this model, please delete or update the agents first, "
            f"all visible agents are: {_listed(using)}",
            409,
            "status_exception",
        )
    for kind, users in (("ingest", ingest), ("search", search)):
        using = users.using_model(tx, model_id)
        if using:
            raise EngineError(
                f"{len(using)} {kind} pipelines are still using this model, please delete or update the "
                f"pipelines first: {_listed(using)}",
                409,
                "status_exception",
            )
