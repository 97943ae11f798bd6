"""Read a target's actual state in a few paged searches: owned resources, unowned look-alikes, settings."""

import hashlib
import json
import logging
import time
from collections.abc import Collection, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from mlgitops.backends.opensearch import dependents, resources
from mlgitops.backends.opensearch.client import Json, MLCommonsClient
from mlgitops.backends.opensearch.records import Bookkeeping
from mlgitops.errors import BackendError
from mlgitops.model.resources import DEPENDENT_KINDS, Kind, ResourceKey
from mlgitops.plan.state import ActualResource, ActualState, DesiredResource, OwnershipRecord

logger = logging.getLogger(__name__)

ML_KINDS = (Kind.MODEL_GROUP, Kind.CONNECTOR, Kind.MODEL)
PERIODIC_REFRESH_SECONDS = 1.5  # OpenSearch's default refresh_interval is 1 s
CONFIRM_AT_MOST = 100  # owned resources missing from the searches that are asked for one by one
ML_INDICES = (".plugins-ml-model-group", ".plugins-ml-connector", ".plugins-ml-model", ".plugins-ml-agent")


def ml_name(desired: DesiredResource) -> str:
    """The name the server knows a resource by: ``body.name``, defaulting to the logical name."""
    name = desired.body.get("name")
    return name if isinstance(name, str) and name else desired.key.name


def read_state(
    client: MLCommonsClient,
    book: Bookkeeping,
    desired: Sequence[DesiredResource],
    touched: Collection[tuple[Kind, str]] = (),
) -> ActualState:
    """Everything the planner needs from the target, with a fingerprint of it.

    A fixed number of paged searches, whatever the number of resources: mlgitops' own records and
    intents, each kind of resource, and the cluster settings, all read at once on a few threads.
    Searches see a cluster's documents after its next refresh: the resources this process changed
    (``touched``) are made visible first, see ``settle``.
    """
    fresh = settle(client, touched)
    # Pipelines and agents are read only where manifests or records name them: a user without rights
    # on them (an ML-only role) can still reconcile the ML kinds.
    wanted = {item.key.kind for item in desired} & DEPENDENT_KINDS
    workers = len(ML_KINDS) + len(wanted) + 2
    versions: dict[Kind, dict[str, str]] = {kind: {} for kind in ML_KINDS}
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="mlgitops-read") as pool:
        bookkeeping = pool.submit(book.read_all)
        settings_read = pool.submit(resources.read_ml_settings, client)
        by_kind = {kind: pool.submit(resources.read_all, client, kind, versions[kind]) for kind in ML_KINDS}
        by_kind |= {kind: pool.submit(dependents.read_all, client, kind) for kind in wanted}
        records, intents = bookkeeping.result()
        owned_too = {key.kind for key in records} & DEPENDENT_KINDS - wanted
        by_kind |= {kind: pool.submit(dependents.read_all, client, kind) for kind in owned_too}
        settings = settings_read.result()
        documents = {kind: future.result() for kind, future in by_kind.items()}
    documents |= {kind: {} for kind in DEPENDENT_KINDS - wanted - owned_too}
    fresh |= _confirm_missing(client, records, documents, fresh)
    for (kind, resource_id), document in fresh.items():
        versions.get(kind, {}).pop(resource_id, None)  # read by GET: no version, the document counts
        if document is None:
            documents[kind].pop(resource_id, None)
        else:
            documents[kind][resource_id] = document
    owned = _owned(records, documents, settings)
    unowned = _unowned(documents, desired, owned, records)
    pending = {intent.key: f"{intent.verb} by run {intent.run_id}" for intent in intents}
    return ActualState(
        resources=owned,
        unowned=unowned,
        settings=settings,
        fingerprint=build_fingerprint(owned, unowned, records, settings, versions),
        pending=pending,
    )


def _owned(
    records: Mapping[ResourceKey, OwnershipRecord],
    documents: Mapping[Kind, Mapping[str, Json]],
    settings: dict[str, Any],
) -> dict[ResourceKey, ActualResource]:
    """The resources the records name that still exist, by key."""
    owned: dict[ResourceKey, ActualResource] = {}
    for key, record in sorted(records.items()):
        document = (
            settings if key.kind is Kind.CLUSTER_SETTINGS else documents[key.kind].get(record.resource_id)
        )
        if document is not None:
            owned[key] = ActualResource(key, record.resource_id, document, record)
    return owned


def refresh_ml_indices(client: MLCommonsClient) -> None:
    """Make every write to the ML indices visible to searches (indices that do not exist yet skipped)."""
    client.request("POST", f"/{','.join(ML_INDICES)}/_refresh", params={"ignore_unavailable": "true"})


def settle(
    client: MLCommonsClient, touched: Collection[tuple[Kind, str]]
) -> dict[tuple[Kind, str], Json | None]:
    """Make just-changed resources visible to searches: refresh the ML indices, else GET each of them.

    Returns the documents read one by one (None: gone), empty when the refresh worked.
    """
    if not touched:
        return {}
    try:
        refresh_ml_indices(client)
        return {}
    except BackendError as exc:  # e.g. no permission to refresh system indices
        logger.info(
            "cannot refresh the ML indices (%s); reading %d changed resources one by one", exc, len(touched)
        )
    found = _get_each(client, list(touched))
    # The next run (a `plan` right after this reconcile) reads by search: let the indices' periodic
    # refresh (every second by default) make these writes visible to it first.
    time.sleep(PERIODIC_REFRESH_SECONDS)
    return found


def _confirm_missing(
    client: MLCommonsClient,
    records: Mapping[ResourceKey, OwnershipRecord],
    documents: Mapping[Kind, Mapping[str, Json]],
    fresh: Mapping[tuple[Kind, str], Json | None],
) -> dict[tuple[Kind, str], Json | None]:
    """GET each owned resource the searches did not return: gone (404), or hidden from this user.

    Searches leave out what access control hides, so a missing owned resource is asked for by id: a
    refusal (403) then stops the read with the server's reason instead of planning a re-creation.
    Past ``CONFIRM_AT_MOST`` (a large drift) they are planned as missing, with a warning.
    """
    missing = [
        (key.kind, record.resource_id)
        for key, record in records.items()
        if key.kind in documents
        and record.resource_id not in documents[key.kind]
        and (key.kind, record.resource_id) not in fresh
    ]
    if not missing:
        return {}
    if len(missing) > CONFIRM_AT_MOST:
        logger.warning(
            "%d owned resources are missing from the searches (deleted outside mlgitops, or hidden from "
            "this user by access control); they are planned as missing",
            len(missing),
        )
        return {}
    return _get_each(client, missing)


def _get_each(
    client: MLCommonsClient, items: Sequence[tuple[Kind, str]]
) -> dict[tuple[Kind, str], Json | None]:
    """One GET per ``(kind, id)``, a few at a time; None where the resource is gone."""
    with ThreadPoolExecutor(max_workers=8, thread_name_prefix="mlgitops-read") as pool:
        found = pool.map(lambda item: resources.get_resource(client, *item), items)
        return dict(zip(items, found, strict=True))


def _by_name(kind: Kind, documents: Mapping[str, Json]) -> dict[str, list[tuple[str, Json]]]:
    """Resources by ML name, oldest first (as ML Commons orders look-alikes); a pipeline's name is its id."""
    if kind in (Kind.INGEST_PIPELINE, Kind.SEARCH_PIPELINE):
        return {pipeline_id: [(pipeline_id, document)] for pipeline_id, document in documents.items()}
    named: dict[str, list[tuple[str, Json]]] = {}
    for resource_id, document in documents.items():
        name = document.get("name")
        if isinstance(name, str):
            named.setdefault(name, []).append((resource_id, document))
    for found in named.values():
        found.sort(key=lambda item: (int(item[1].get("created_time") or 0), item[0]))
    return named


def _unowned(
    documents: Mapping[Kind, Mapping[str, Json]],
    desired: Sequence[DesiredResource],
    owned: Mapping[ResourceKey, ActualResource],
    records: Mapping[ResourceKey, OwnershipRecord],
) -> dict[ResourceKey, ActualResource]:
    owned_ids = {record.resource_id for record in records.values()}
    named: dict[Kind, dict[str, list[tuple[str, Json]]]] = {}  # by kind, made when first needed
    unowned: dict[ResourceKey, ActualResource] = {}
    for item in desired:
        kind = item.key.kind
        if item.key in owned or kind is Kind.CLUSTER_SETTINGS:
            continue
        if kind not in named:
            named[kind] = _by_name(kind, documents[kind])
        group_id = _desired_group_id(item, records)
        for resource_id, document in named[kind].get(ml_name(item), ()):
            in_group = group_id is None or document.get("model_group_id") == group_id
            if resource_id not in owned_ids and in_group:
                unowned[item.key] = ActualResource(item.key, resource_id, document)
                break
    return unowned


def _desired_group_id(item: DesiredResource, records: Mapping[ResourceKey, OwnershipRecord]) -> str | None:
    """For a model in an owned group: that group's id (models are only look-alikes within one group)."""
    group = item.body.get("model_group")
    if item.key.kind is not Kind.MODEL or not isinstance(group, str):
        return None
    record = records.get(ResourceKey(Kind.MODEL_GROUP, group))
    return None if record is None else record.resource_id


# Names how ``build_fingerprint`` reads a target: a saved plan whose fingerprint has another scheme was
# made by a version of mlgitops that fingerprints differently (its refusal says so, not "changed").
FINGERPRINT_SCHEME = "target-v3"


def build_fingerprint(
    owned: Mapping[ResourceKey, ActualResource],
    unowned: Mapping[ResourceKey, ActualResource],
    records: Mapping[ResourceKey, OwnershipRecord],
    settings: Mapping[str, Any],
    versions: Mapping[Kind, Mapping[str, str]],
) -> str:
    """sha256 over ids, documents, records and settings: differs whenever the target changed.

    A document read with its version (``resources.read_all``) counts by that version: the server
    gives every write a new one, and hashing the pair is far cheaper than encoding the document
    again. One JSON encoding of everything (the C encoder, keys sorted), not one per document.
    """
    parts: list[Any] = [sorted(settings.items())]
    for label, group in (("owned", owned), ("unowned", unowned)):
        for key in sorted(group):
            resource = group[key]
            version = versions.get(key.kind, {}).get(resource.resource_id)
            shown = [resource.document] if version is None else ["version", version]
            parts.append([label, str(key), resource.resource_id, *shown])
    for key in sorted(records):
        record = records[key]
        parts.append(
            ["record", str(key), record.resource_id, sorted(record.secret_digests.items()), record.protected]
        )
    payload = json.dumps(parts, sort_keys=True, default=str, separators=(",", ":"))
    return f"{FINGERPRINT_SCHEME}:{hashlib.sha256(payload.encode()).hexdigest()}"
