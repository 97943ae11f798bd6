"""What a predict reads from the store: the model, the settings, its connector and credentials."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from mlgitops.engine.executor.predict import PreparedConnector
from mlgitops.engine.resources.context import EngineContext
from mlgitops.engine.storage.store import CONNECTOR_INDEX, MODEL_INDEX, Transaction
from mlgitops.errors import EngineError, MlGitOpsError


def connector_owner(model_id: str, model: Mapping[str, Any]) -> tuple[str, dict[str, Any] | None]:
    """Whose credentials a model's connector uses, and the connector itself when it is inline."""
    if isinstance(model.get("connector"), Mapping):
        return model_id, dict(model["connector"])
    return str(model.get("connector_id")), None


def resolve_connector(
    ctx: EngineContext, tx: Transaction, model_id: str, model: Mapping[str, Any]
) -> tuple[dict[str, Any], dict[str, str]]:
    """The connector a model uses and its decrypted credentials."""
    owner, connector = connector_owner(model_id, model)
    if connector is None:
        connector = stored_connector(tx, owner)
    return connector, decrypted_credentials(ctx, tx, owner)


def stored_connector(tx: Transaction, connector_id: str) -> dict[str, Any]:
    """A stored connector's document (404 when missing)."""
    row = tx.get(CONNECTOR_INDEX, connector_id)
    if row is None:
        raise EngineError(f"Failed to find connector:{connector_id}", 404, "status_exception")
    return row.source


def decrypted_credentials(ctx: EngineContext, tx: Transaction, owner: str) -> dict[str, str]:
    """The plaintext credentials of a connector or an inline-connector model."""
    return {key: value.get_secret_value() for key, value in ctx.vault.load(tx, owner).items()}


@dataclass(frozen=True)
class PredictInputs:
    """A model (None when missing), the settings in force, and the model's connector and credentials
    (None when they cannot be read, e.g. a missing connector: reading them again raises why), all
    read in one snapshot."""

    model: dict[str, Any] | None
    settings: dict[str, Any]
    connector: dict[str, Any] | None
    credentials: dict[str, str] = field(repr=False)
    prepared: PreparedConnector | None = None  # None: the executor refuses the connector (it says why)


def inputs_of(ctx: EngineContext, model_id: str) -> PredictInputs:
    """Read what a predict of ``model_id`` needs."""
    with ctx.store.read() as tx:
        row = tx.get(MODEL_INDEX, model_id)
        settings = ctx.settings.effective()
        if row is None:
            return PredictInputs(None, settings, None, {})
        try:
            connector, credentials = resolve_connector(ctx, tx, model_id, row.source)
        except MlGitOpsError:
            return PredictInputs(row.source, settings, None, {})
    try:
        prepared: PreparedConnector | None = PreparedConnector(connector, credentials)
    except EngineError:
        prepared = None
    return PredictInputs(row.source, settings, connector, credentials, prepared)
