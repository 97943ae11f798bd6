"""What a predict reads from the store: the model, the settings, its connector and credentials."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from mlgitops.engine.executor.predict import PreparedConnector
from mlgitops.engine.resources.context import EngineContext
from mlgitops.engine.storage.store import CONNECTOR_INDEX, MODEL_INDEX, Transaction
from mlgitops.errors import EngineError, MlGitOpsError


def resolve_connector(
    ctx: EngineContext, tx: Transaction, model_id: str, model: Mapping[str, Any]
) -> tuple[dict[str, Any], dict[str, str]]:
    """The connector a model uses and its decrypted credentials (a missing connector is a 404)."""
    if isinstance(model.get("connector"), Mapping):
        owner, connector = model_id, dict(model["connector"])
    else:
        owner = str(model.get("connector_id"))
        row = tx.get(CONNECTOR_INDEX, owner)
        if row is None:
            raise EngineError(f"Failed to find connector:{owner}", 404, "status_exception")
        connector = row.source
    secrets = ctx.vault.load(tx, owner)
    return connector, {key: value.get_secret_value() for key, value in secrets.items()}


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
