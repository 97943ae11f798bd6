"""Remote models: register (connector id or inline), get/search/update/delete with ML Commons rules."""

import time
from collections.abc import Iterator, Mapping
from typing import Any

from pydantic import SecretStr

from mlgitops.engine.resources import connector_rules as rules
from mlgitops.engine.resources import groups, interfaces, usage
from mlgitops.engine.resources.connectors import ACTIVE_STATES
from mlgitops.engine.resources.context import EngineContext, access_fields
from mlgitops.engine.resources.responses import parsing_error, write_response
from mlgitops.engine.resources.tasks import new_task
from mlgitops.engine.storage import ids, searching
from mlgitops.engine.storage.store import CONNECTOR_INDEX, GROUP_INDEX, MODEL_INDEX, Row, Transaction
from mlgitops.errors import EngineError

FUNCTION_NAMES = frozenset(
    {
        "LINEAR_REGRESSION",
        "KMEANS",
        "TEXT_EMBEDDING",
        "SPARSE_ENCODING",
        "SPARSE_TOKENIZE",
        "TEXT_SIMILARITY",
        "QUESTION_ANSWERING",
        "REMOTE",
        "AGENT",
        "BATCH_RCF",
        "RCF_SUMMARIZE",
    }
)
_SIMPLE_FIELDS = ("description", "is_enabled", "rate_limiter", "deploy_setting", "guardrails", "model_config")
_UPDATABLE = ("name", *_SIMPLE_FIELDS)


def not_found(model_id: str) -> EngineError:
    """404 for a missing model."""
    return EngineError(
        f"Failed to find model with the provided model id: {model_id}", 404, "status_exception"
    )


def _check_function(body: Mapping[str, Any]) -> None:
    function = str(body.get("function_name") or "TEXT_EMBEDDING").upper()
    if function not in FUNCTION_NAMES:
        raise EngineError("Wrong function name")
    if function != "REMOTE":
        if not body.get("model_format"):
            raise EngineError("model format is null")
        raise EngineError("the mlgitops local engine supports remote models only (function_name: remote)")


_OBJECT_FIELDS = ("rate_limiter", "deploy_setting", "guardrails", "model_config", "connector")


def _check_body(body: Mapping[str, Any]) -> None:
    """Fields ML Commons parses as objects must be objects (a parsing error otherwise), then the limiter."""
    for field in _OBJECT_FIELDS:
        if field in body and not isinstance(body[field], Mapping):
            raise parsing_error("START_OBJECT", body[field], field)
    _check_rate_limiter(body.get("rate_limiter"))


def _check_rate_limiter(raw: Any) -> None:
    if not isinstance(raw, Mapping) or raw.get("limit") is None:
        return
    try:
        limit = float(str(raw["limit"]))
    except ValueError:
        limit = -1.0
    if limit < 0:
        raise EngineError("Limit field must be a positive number.", 400, "parse_exception")


def _merged_limiter(current: Any, update: Mapping[str, Any]) -> Any:
    """A rate limiter update: ``limit``/``unit`` replace the stored ones when given (never removed)."""
    merged = {key: value for key, value in (current or {}).items() if value is not None}
    merged.update({key: update[key] for key in ("limit", "unit") if update.get(key) is not None})
    return merged if merged or current is not None else update


def _group_changed() -> EngineError:
    """What 2.19.1 answers when the group changed between its read and its conditional update."""
    return EngineError(
        "Failed to update data object in index .plugins-ml-model-group", 500, "status_exception"
    )


def _bump_group(tx: Transaction, group: Row, read_seq_no: int | None = None) -> int:
    """Raise the latest_version of ``group`` (as read in ``tx``), if the group is still as read
    before (``read_seq_no``), like ML Commons.

    2.19.1 reads the group, then updates it on condition of that read's sequence number: of two
    registers into one group that overlap, the later update fails and nothing is registered.
    """
    if read_seq_no is not None and group.seq_no != read_seq_no:
        raise _group_changed()
    version = int(group.source.get("latest_version", 0)) + 1
    tx.put(
        GROUP_INDEX, group.id, {**group.source, "latest_version": version, "last_updated_time": ids.now_ms()}
    )
    return version


class Models:
    """``/_plugins/_ml/models`` (register, get, search, update, delete)."""

    def __init__(self, ctx: EngineContext) -> None:
        self._ctx = ctx
        # Agents, ingest and search pipelines, checked before a delete under safe_delete_model.
        self.users: tuple[usage.ModelUsers, usage.ModelUsers, usage.ModelUsers] | None = None

    def _inline(self, body: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, SecretStr]] | None:
        if body.get("connector_id") is not None:
            return None
        raw = body.get("connector")
        if not isinstance(raw, Mapping):
            raise EngineError(
                "You must provide connector content when creating a remote model without connector id!"
            )
        doc, credentials = rules.parse(raw, required=False)
        if "protocol" not in doc:
            raise EngineError("connector protocol is null")
        if not rules.has_predict_action(doc):
            raise EngineError(
                "Connector endpoint is required when creating a remote model without connector id!"
            )
        rules.check_sigv4(doc, set(credentials))
        rules.check_trusted_endpoints(doc, self._ctx.setting("trusted_connector_endpoints_regex"))
        return rules.ordered(doc), credentials

    def _group(self, tx: Transaction, body: Mapping[str, Any], access: Mapping[str, Any]) -> Row:
        group_id = body.get("model_group_id")
        if group_id is None:
            found = groups.find_by_name(tx, str(body["name"]))
            return found or groups.new_group(
                tx, {"name": body["name"], "description": body.get("description")}, access
            )
        group = tx.get(GROUP_INDEX, str(group_id))
        if group is None:
            raise EngineError(
                f"Model Group Response is empty for {group_id}", 500, "m_l_resource_not_found_exception"
            )
        return group

    def register(self, body: dict[str, Any] | None) -> dict[str, Any]:
        """Register a remote model -> ``{"task_id", "status": "CREATED", "model_id"}``."""
        body = body or {}
        if body.get("name") is None:
            raise EngineError("model name is null")
        _check_function(body)
        self._ctx.require_remote_inference()
        access: dict[str, Any] = {}
        if body.get("model_group_id") is None and self._ctx.refuse_access_fields("model", body):
            access = access_fields(body, "model")
        _check_body(body)
        inline = self._inline(body)
        read_seq_no = self._read_group(body)
        with self._ctx.store.write() as tx:
            connector = inline[0] if inline else self._linked_connector(tx, body)
            group = self._group(tx, body, access)
            model_id = ids.new_id()
            source = self._document(body, group.id, _bump_group(tx, group, read_seq_no), connector)
            if inline:
                source["connector"] = inline[0]
                self._ctx.vault.store(tx, model_id, inline[1])
            tx.put(MODEL_INDEX, model_id, source)
            task_id = new_task(tx, "REGISTER_MODEL", model_id, "COMPLETED", is_async=False)
        return {"task_id": task_id, "status": "CREATED", "model_id": model_id}

    def _read_group(self, body: Mapping[str, Any]) -> int | None:
        """The sequence number of the named group as read before the register's update (None: no group).

        Read in its own transaction and followed by a yield, as ML Commons' read is a request of its own:
        a register that overlaps another into the same group can read before the other's update.
        """
        group_id = body.get("model_group_id")
        if group_id is None:
            return None
        with self._ctx.store.read() as tx:
            row = tx.get(GROUP_INDEX, str(group_id))
        time.sleep(0)
        return None if row is None else row.seq_no

    def _linked_connector(self, tx: Transaction, body: Mapping[str, Any]) -> dict[str, Any] | None:
        connector_id = str(body["connector_id"])
        row = tx.get(CONNECTOR_INDEX, connector_id)
        if row is None and "interface" not in body:
            raise EngineError(f"Failed to find connector:{connector_id}", 404, "status_exception")
        return None if row is None else row.source

    def _document(
        self, body: Mapping[str, Any], group_id: str, version: int, connector: Mapping[str, Any] | None
    ) -> dict[str, Any]:
        now = ids.now_ms()
        source: dict[str, Any] = {
            "name": body["name"],
            "model_group_id": group_id,
            "algorithm": "REMOTE",
            "model_version": str(version),
        }
        if body.get("description") is not None:
            source["description"] = body["description"]
        source.update(model_state="REGISTERED", created_time=now, last_updated_time=now)
        for field in _SIMPLE_FIELDS[1:]:
            if body.get(field) is not None:
                source[field] = body[field]
        source["is_hidden"] = False
        if body.get("connector_id") is not None:
            source["connector_id"] = body["connector_id"]
        interface = interfaces.at_register(body, connector)
        if interface is not None:
            source["interface"] = interface
        return source

    def get(self, model_id: str) -> dict[str, Any]:
        """The model document (an inline connector never carries its credential)."""
        with self._ctx.store.read() as tx:
            row = tx.get(MODEL_INDEX, model_id)
        if row is None:
            raise not_found(model_id)
        return row.source

    def search(self, body: dict[str, Any] | None, params: Mapping[str, str]) -> dict[str, Any]:
        """Search models, hidden ones excluded."""
        with self._ctx.store.read() as tx:

            def fetch(after: int) -> Iterator[Row]:
                return (row for row in tx.rows(MODEL_INDEX, after) if row.source.get("is_hidden") is not True)

            return searching.search(fetch, body, params, window=self._ctx.max_result_window)

    def update(self, model_id: str, body: dict[str, Any] | None) -> dict[str, Any]:
        """Partial update with ML Commons' connector and model group rules."""
        if body is None:
            raise EngineError("Update model request has empty body", 400, "parse_exception")
        _check_body(body)
        with self._ctx.store.write() as tx:
            row = tx.get(MODEL_INDEX, model_id)
            if row is None:
                raise EngineError(
                    f"Failed to find model to update with the provided model id: {model_id}",
                    404,
                    "status_exception",
                )
            source = self._updated(tx, row, body)
            source.update(model_id=model_id, last_updated_time=ids.now_ms())
            updated = tx.put(MODEL_INDEX, model_id, source)
        return write_response(updated, "updated")

    def _updated(self, tx: Transaction, row: Row, body: Mapping[str, Any]) -> dict[str, Any]:
        source = dict(row.source)
        if source.get("model_state") == "DEPLOYING":
            raise EngineError(
                f"Model is deploying. Please wait for the model to complete deployment. model ID {row.id}",
                409,
                "status_exception",
            )
        self._check_connector_fields(source, body)
        source.update({field: body[field] for field in _UPDATABLE if body.get(field) is not None})
        if isinstance(body.get("rate_limiter"), Mapping):
            source["rate_limiter"] = _merged_limiter(row.source.get("rate_limiter"), body["rate_limiter"])
        if body.get("interface") is not None:
            source["interface"] = interfaces.merged(row.source.get("interface"), body["interface"])
        if body.get("connector_id") is not None:
            source["connector_id"] = body["connector_id"]
        if body.get("connector"):
            changes, credentials = rules.parse(body["connector"], required=False)
            merged = rules.merge(source["connector"], changes)
            rules.check_trusted_endpoints(merged, self._ctx.setting("trusted_connector_endpoints_regex"))
            source["connector"] = rules.ordered(merged)
            if credentials:
                self._ctx.vault.store(tx, row.id, credentials)
        group_id = body.get("model_group_id")
        if group_id is not None and group_id != source.get("model_group_id"):
            group = tx.get(GROUP_INDEX, str(group_id))
            if group is None:
                raise EngineError(
                    "Failed to find the model group with the provided model group id in the update model "
                    f"input, MODEL_GROUP_ID: {group_id}",
                    404,
                    "status_exception",
                )
            source.update(model_group_id=group_id, model_version=str(_bump_group(tx, group)))
        return source

    @staticmethod
    def _check_connector_fields(source: Mapping[str, Any], body: Mapping[str, Any]) -> None:
        if body.get("connector_id") is not None and body.get("connector") is not None:
            raise EngineError(
                "Model cannot have both stand-alone connector and internal connector. "
                "Please check your update input body."
            )
        if body.get("connector") is not None and "connector" not in source:
            raise EngineError(
                "Cannot update connector settings for this model. The model was created with a connector_id "
                "and does not have an inline connector."
            )
        if body.get("connector_id") is not None and "connector" in source:
            raise EngineError(
                "This remote does not have a connector_id field, maybe it uses an internal connector.",
                400,
                "status_exception",
            )

    def delete(self, model_id: str) -> dict[str, Any]:
        """Delete a model; 400 while it is deployed or deploying."""
        with self._ctx.store.write() as tx:
            row = tx.get(MODEL_INDEX, model_id)
            if row is None:
                raise EngineError("Failed to find model", 404, "status_exception")
            if row.source.get("model_state") in ACTIVE_STATES:
                raise EngineError(
                    "Model cannot be deleted in deploying or deployed state. "
                    "Try undeploy model first then delete",
                    400,
                    "status_exception",
                )
            if self.users is not None and self._ctx.setting("safe_delete_model"):
                usage.check_unused(tx, model_id, *self.users)
            deleted = tx.delete(MODEL_INDEX, model_id)
            self._ctx.vault.forget(tx, model_id)
        assert deleted is not None
        return write_response(deleted, "deleted")
