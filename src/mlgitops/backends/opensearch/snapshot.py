"""Read everything a target holds for ``mlgitops import``: a few paged searches per kind, at once."""

import logging
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from mlgitops.backends.opensearch import dependents, reading, resources
from mlgitops.backends.opensearch.client import MLCommonsClient
from mlgitops.backends.opensearch.records import Bookkeeping
from mlgitops.errors import BackendError
from mlgitops.model.mlsettings import SCOPES
from mlgitops.model.resources import DEPENDENT_KINDS, Kind
from mlgitops.plan.exporting import TargetSnapshot

logger = logging.getLogger(__name__)


def read_snapshot(client: MLCommonsClient, book: Bookkeeping) -> TargetSnapshot:
    """Explicit ML settings per scope, every resource by kind, and what mlgitops' records own.

    Credentials are never part of it: the target leaves them out of every document it returns. The ML
    indices are refreshed first, so the searches see every change made so far (a model deployed a
    moment ago reads as deployed).
    """
    _refresh(client)
    with ThreadPoolExecutor(max_workers=len(reading.ML_KINDS) + len(DEPENDENT_KINDS) + 2) as pool:
        bookkeeping = pool.submit(book.read_records)
        settings_read = pool.submit(client.get_cluster_settings)
        by_kind = {kind: pool.submit(resources.read_all, client, kind) for kind in reading.ML_KINDS}
        by_kind |= {kind: pool.submit(dependents.read_all, client, kind) for kind in DEPENDENT_KINDS}
        records = bookkeeping.result()
        settings = settings_read.result()
        documents = {kind: future.result() for kind, future in by_kind.items()}
    owned = {record.resource_id: key.name for key, record in records.items()}
    return TargetSnapshot(
        settings=_scopes(settings),
        documents=documents,
        owned=owned,
        owns_settings=any(key.kind is Kind.CLUSTER_SETTINGS for key in records),
    )


def _scopes(response: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {scope: resources.flatten(response.get(scope) or {}) for scope in SCOPES}


def _refresh(client: MLCommonsClient) -> None:
    try:
        reading.refresh_ml_indices(client)
    except BackendError as exc:  # e.g. no permission to refresh system indices: read what is visible
        logger.info("cannot refresh the ML indices (%s); changes of the last second may not show", exc)
