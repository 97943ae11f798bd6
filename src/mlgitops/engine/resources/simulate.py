"""``_ingest/pipeline/{id}/_simulate`` and ``_ingest/pipeline/_simulate``: run a pipeline on documents.

Processors run in order on each document: ``ml_inference`` (through the model's connector, see
``inference``), ``set`` (a literal value), ``remove`` and ``rename``. A failing document gets an
``error`` entry instead of its result (the response is still 200), as OpenSearch answers; the
``on_failure`` handlers and ``ignore_failure`` are honoured.
"""

import copy
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from mlgitops.engine.resources.inference import _MISSING, Predict, get_field, run_ml_inference, set_field
from mlgitops.engine.resources.pipelines import Pipelines, check_ingest_body
from mlgitops.errors import EngineError, MlGitOpsError


def _field(config: Mapping[str, Any]) -> str:
    field = config.get("field")
    if not isinstance(field, str) or not field:
        raise EngineError("[field] required property is missing", 400, "parse_exception")
    return field


def _remove(source: dict[str, Any], path: str) -> Any:
    parent_path, _, last = path.rpartition(".")
    parent = get_field(source, parent_path) if parent_path else source
    if not isinstance(parent, dict) or last not in parent:
        raise EngineError(
            f"field [{last}] not present as part of path [{path}]", 400, "illegal_argument_exception"
        )
    return parent.pop(last)


def run_processor(name: str, config: Mapping[str, Any], source: dict[str, Any], predict: Predict) -> None:
    """Run one processor on a document source (changed in place)."""
    if name == "ml_inference":
        run_ml_inference(config, source, predict)
    elif name == "set":
        if config.get("override", True) or get_field(source, _field(config)) is _MISSING:
            set_field(source, _field(config), copy.deepcopy(config.get("value")))
    elif name == "remove":
        fields = config.get("field")
        for field in fields if isinstance(fields, list) else [_field(config)]:
            if get_field(source, str(field)) is not _MISSING or not config.get("ignore_missing"):
                _remove(source, str(field))
    elif name == "rename":
        target = config.get("target_field")
        if not isinstance(target, str):
            raise EngineError("[target_field] required property is missing", 400, "parse_exception")
        set_field(source, target, _remove(source, _field(config)))
    else:
        raise EngineError(
            f"the mlgitops engine cannot simulate the [{name}] processor", 400, "illegal_argument_exception"
        )


def run_pipeline(pipeline: Mapping[str, Any], source: dict[str, Any], predict: Predict) -> None:
    """Every processor of ``pipeline`` on ``source``; raises the first unhandled failure."""
    try:
        for processor in pipeline.get("processors") or []:
            ((name, config),) = processor.items()
            try:
                run_processor(name, config, source, predict)
            except MlGitOpsError:
                if config.get("ignore_failure"):
                    continue
                if not config.get("on_failure"):
                    raise
                run_pipeline({"processors": config["on_failure"]}, source, predict)
    except MlGitOpsError:
        if not pipeline.get("on_failure"):
            raise
        run_pipeline({"processors": pipeline["on_failure"]}, source, predict)


def _error(exc: MlGitOpsError) -> dict[str, Any]:
    cause = {"type": getattr(exc, "error_type", "illegal_argument_exception"), "reason": str(exc)}
    return {"error": {"root_cause": [cause], **cause}}


class Simulator:
    """Ingest pipeline simulation with the engine's models."""

    def __init__(self, pipelines: Pipelines, predict: Predict) -> None:
        self._pipelines = pipelines
        self._predict = predict

    def simulate(self, pipeline_id: str | None, body: Mapping[str, Any] | None) -> dict[str, Any]:
        """``{"docs": [{"doc": {...}} | {"error": {...}}]}``."""
        body = body or {}
        pipeline: Mapping[str, Any]
        if pipeline_id is not None:
            pipeline = self._pipelines.body(pipeline_id)
        else:
            inline = body.get("pipeline")
            if not isinstance(inline, Mapping):
                raise EngineError("[pipeline] required property is missing", 400, "parse_exception")
            check_ingest_body(inline)
            pipeline = inline
        docs = body.get("docs")
        if not isinstance(docs, list) or not docs:
            raise EngineError(
                "must specify at least one document in [docs]", 400, "illegal_argument_exception"
            )
        return {"docs": [self._one(pipeline, doc) for doc in docs]}

    def _one(self, pipeline: Mapping[str, Any], doc: Any) -> dict[str, Any]:
        if not isinstance(doc, Mapping) or not isinstance(doc.get("_source"), Mapping):
            return _error(EngineError("[_source] required property is missing", 400, "parse_exception"))
        source = copy.deepcopy(dict(doc["_source"]))
        try:
            run_pipeline(pipeline, source, self._predict)
        except MlGitOpsError as exc:
            return _error(exc)
        stamp = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        return {
            "doc": {
                "_index": str(doc.get("_index", "_index")),
                "_id": str(doc.get("_id", "_id")),
                "_source": source,
                "_ingest": {"timestamp": stamp},
            }
        }
