"""Model groups: unique exact names, access fields, latest_version, delete refused while models exist."""

from collections.abc import Mapping
from typing import Any

from mlgitops.engine.resources.context import EngineContext, access_fields
from mlgitops.engine.resources.responses import not_found_delete, write_response
from mlgitops.engine.storage import ids, searching
from mlgitops.engine.storage.store import GROUP_INDEX, MODEL_INDEX, Row, Transaction
from mlgitops.errors import EngineError


def not_found(group_id: str) -> EngineError:
    """404 for a missing model group."""
    return EngineError(
        f"Failed to find model group with the provided model group id: {group_id}", 404, "status_exception"
    )


def find_by_name(tx: Transaction, name: str) -> Row | None:
    """The group whose name is exactly ``name`` (``term name.keyword``)."""
    return next(iter(tx.find(GROUP_INDEX, "name", name)), None)


def new_group(tx: Transaction, body: Mapping[str, Any], access: Mapping[str, Any]) -> Row:
    """Create a group document (the caller has validated ``body``)."""
    taken = find_by_name(tx, str(body["name"]))
    if taken is not None:
        raise EngineError(
            f"The name you provided is already being used by a model group with ID: {taken.id}."
        )
    now = ids.now_ms()
    source: dict[str, Any] = {"name": body["name"], "latest_version": 0}
    if body.get("description") is not None:
        source["description"] = body["description"]
    source.update({"access": "public", **access, "created_time": now, "last_updated_time": now})
    return tx.put(GROUP_INDEX, ids.new_id(), source)


class ModelGroups:
    """``/_plugins/_ml/model_groups``."""

    def __init__(self, ctx: EngineContext) -> None:
        self._ctx = ctx

    def _access(self, body: dict[str, Any]) -> dict[str, Any]:
        return access_fields(body, "model") if self._ctx.refuse_access_fields("model", body) else {}

    def register(self, body: dict[str, Any]) -> dict[str, Any]:
        """Register a group -> ``{"model_group_id", "status": "CREATED"}``."""
        if body.get("name") is None:
            raise EngineError("model group name must not be null", 500, "null_pointer_exception")
        access = self._access(body)
        with self._ctx.store.write() as tx:
            row = new_group(tx, body, access)
        return {"model_group_id": row.id, "status": "CREATED"}

    def get(self, group_id: str) -> dict[str, Any]:
        """The group document."""
        with self._ctx.store.read() as tx:
            row = tx.get(GROUP_INDEX, group_id)
        if row is None:
            raise not_found(group_id)
        return row.source

    def update(self, group_id: str, body: dict[str, Any]) -> dict[str, Any]:
        """Update name/description/access -> ``{"status": "Updated"}``."""
        access = self._access(body)
        with self._ctx.store.write() as tx:
            row = tx.get(GROUP_INDEX, group_id)
            if row is None:
                raise not_found(group_id)
            source = dict(row.source)
            name = body.get("name")
            if name is not None and name != source["name"]:
                taken = find_by_name(tx, str(name))
                if taken is not None:
                    raise EngineError(
                        f"The name you provided is already being used by another model with ID: {taken.id}. "
                        "Please provide a different name"
                    )
                source["name"] = name
            if body.get("description") is not None:
                source["description"] = body["description"]
            source.update(access)
            source["last_updated_time"] = ids.now_ms()
            tx.put(GROUP_INDEX, group_id, source)
        return {"status": "Updated"}

    def delete(self, group_id: str) -> dict[str, Any]:
        """Delete a group; 409 while any model belongs to it."""
        with self._ctx.store.write() as tx:
            if tx.find(MODEL_INDEX, "model_group_id", group_id):
                raise EngineError(
                    "Cannot delete the model group when it has associated model versions",
                    409,
                    "status_exception",
                )
            row = tx.delete(GROUP_INDEX, group_id)
        return not_found_delete(GROUP_INDEX, group_id) if row is None else write_response(row, "deleted")

    def search(self, body: dict[str, Any] | None, params: Mapping[str, str]) -> dict[str, Any]:
        """Search groups with the query DSL."""
        with self._ctx.store.read() as tx:
            return searching.search(
                lambda after: tx.rows(GROUP_INDEX, after), body, params, window=self._ctx.max_result_window
            )
