"""Standalone connectors: create/get/search/update/delete with ML Commons' checks; credentials encrypted."""

import re
from collections.abc import Mapping
from typing import Any

from pydantic import SecretStr

from mlgitops.engine.resources import connector_rules as rules
from mlgitops.engine.resources.context import EngineContext, access_fields
from mlgitops.engine.resources.responses import not_found_delete, write_response
from mlgitops.engine.storage import ids, searching
from mlgitops.engine.storage.store import CONNECTOR_INDEX, MODEL_INDEX, Transaction
from mlgitops.errors import EngineError

ACTIVE_STATES = frozenset(
    {"DEPLOYED", "DEPLOYING", "PARTIALLY_DEPLOYED", "LOADED", "LOADING", "PARTIALLY_LOADED"}
)


def not_found(connector_id: str) -> EngineError:
    """404 for a missing connector."""
    return EngineError(
        f"Failed to find connector with the provided connector id: {connector_id}", 404, "status_exception"
    )


def _words(text: str) -> set[str]:
    """The terms OpenSearch's standard analyzer makes of an id: lower-cased, split at ``-``."""
    return set(re.findall(r"[0-9a-z_]+", text.lower()))


def _deployed_matching(tx: Transaction, connector_id: str) -> list[str]:
    """Deployed models that 2.19 finds "using" a connector before an update.

    It matches ``connector_id`` with a full-text query, so a deployed model whose connector id shares a
    single term with this one is named too (ids made close in time share many characters).
    """
    words = _words(connector_id)
    return [
        row.id
        for row in tx.scan(MODEL_INDEX)
        if row.source.get("model_state") in ACTIVE_STATES
        and words & _words(str(row.source.get("connector_id") or ""))
    ]


def _java_list(values: list[str]) -> str:
    return "[" + ", ".join(values) + "]"


def _users(tx: Transaction, connector_id: str, states: frozenset[str] | None = None) -> list[str]:
    return [
        row.id
        for row in tx.find(MODEL_INDEX, "connector_id", connector_id)
        if states is None or row.source.get("model_state") in states
    ]


class Connectors:
    """``/_plugins/_ml/connectors``."""

    def __init__(self, ctx: EngineContext) -> None:
        self._ctx = ctx

    def _access(self, body: dict[str, Any]) -> dict[str, Any]:
        return access_fields(body, "connector") if self._ctx.refuse_access_fields("connector", body) else {}

    def validate_new(
        self, body: dict[str, Any], *, required: bool
    ) -> tuple[dict[str, Any], dict[str, SecretStr]]:
        """Parse and check a new connector (standalone or inline); returns (document, credentials)."""
        doc, credentials = rules.parse(body, required=required)
        if "protocol" not in doc:
            raise EngineError("connector protocol is null")
        rules.check_sigv4(doc, set(credentials))
        rules.check_trusted_endpoints(doc, self._ctx.setting("trusted_connector_endpoints_regex"))
        return doc, credentials

    def create(self, body: dict[str, Any] | None) -> dict[str, Any]:
        """Create a connector -> ``{"connector_id"}``."""
        self._ctx.require_remote_inference()
        if body is None:
            raise EngineError("Create Connector request has empty body", 400, "parse_exception")
        if body.get("dry_run"):
            return {"connector_id": "dryRunConnector"}
        doc, credentials = self.validate_new(body, required=True)
        doc.update(self._access(body))
        now = ids.now_ms()
        doc.update(created_time=now, last_updated_time=now)
        connector_id = ids.new_id()
        with self._ctx.store.write() as tx:
            self._ctx.vault.store(tx, connector_id, credentials)
            tx.put(CONNECTOR_INDEX, connector_id, rules.ordered(doc))
        return {"connector_id": connector_id}

    def get(self, connector_id: str) -> dict[str, Any]:
        """The connector document, never with its credential."""
        with self._ctx.store.read() as tx:
            row = tx.get(CONNECTOR_INDEX, connector_id)
        if row is None:
            raise not_found(connector_id)
        return row.source

    def search(self, body: dict[str, Any] | None, params: Mapping[str, str]) -> dict[str, Any]:
        """Search connectors (credentials are never in the stored documents)."""
        with self._ctx.store.read() as tx:
            return searching.search(
                lambda after: tx.rows(CONNECTOR_INDEX, after),
                body,
                params,
                window=self._ctx.max_result_window,
            )

    def update(self, connector_id: str, body: dict[str, Any] | None) -> dict[str, Any]:
        """Partial update; refused while a model using it is deployed."""
        if body is None:
            raise EngineError("Failed to update connector: Request body is empty", 400, "parse_exception")
        changes, credentials = rules.parse(body, required=False)
        changes.update(self._access(body))
        with self._ctx.store.write() as tx:
            row = tx.get(CONNECTOR_INDEX, connector_id)
            if row is None:
                raise not_found(connector_id)
            busy = _deployed_matching(tx, connector_id)
            if busy:
                raise EngineError(
                    f"{len(busy)} models are still using this connector, please undeploy the models first: "
                    f"{_java_list(busy)}",
                    400,
                    "status_exception",
                )
            merged = rules.merge(row.source, changes)
            rules.check_trusted_endpoints(merged, self._ctx.setting("trusted_connector_endpoints_regex"))
            merged["last_updated_time"] = ids.now_ms()
            if credentials:
                self._ctx.vault.store(tx, connector_id, credentials)
            updated = tx.put(CONNECTOR_INDEX, connector_id, rules.ordered(merged))
        return write_response(updated, "updated")

    def delete(self, connector_id: str) -> dict[str, Any]:
        """Delete a connector; 409 while any model references it."""
        with self._ctx.store.write() as tx:
            users = _users(tx, connector_id)
            if users:
                raise EngineError(
                    f"{len(users)} models are still using this connector, please delete or update the models "
                    f"first: {_java_list(users)}",
                    409,
                    "status_exception",
                )
            row = tx.delete(CONNECTOR_INDEX, connector_id)
            self._ctx.vault.forget(tx, connector_id)
        return (
            not_found_delete(CONNECTOR_INDEX, connector_id) if row is None else write_response(row, "deleted")
        )
