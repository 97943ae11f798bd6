"""Ingest and search pipelines: put, get, delete, with OpenSearch 2.19's answers.

As on the real cluster, a pipeline may name a model id that does not exist (nothing checks it when
the pipeline is stored); the ``ml_inference`` processor only fails when it runs.
"""

from collections.abc import Mapping
from typing import Any, Literal

from mlgitops.engine.resources.context import EngineContext
from mlgitops.engine.storage.store import Transaction
from mlgitops.errors import EngineError

PipelineKind = Literal["ingest", "search"]
INDICES: Mapping[PipelineKind, str] = {
    "ingest": ".opensearch-ingest-pipelines",
    "search": ".opensearch-search-pipelines",
}
INGEST_PROCESSORS = frozenset(
    {"ml_inference", "set", "remove", "rename", "append", "lowercase", "uppercase", "trim", "convert"}
)
SEARCH_PROCESSORS = frozenset(
    {"ml_inference", "filter_query", "script", "rename_field", "truncate_hits", "collapse", "sort"}
)
_SEARCH_SECTIONS = ("request_processors", "response_processors", "phase_results_processors")


def _parse_error(message: str) -> EngineError:
    return EngineError(message, 400, "parse_exception")


def _check_processors(section: str, processors: Any, known: frozenset[str]) -> None:
    if not isinstance(processors, list):
        raise _parse_error(f"[{section}] property isn't a list, but of type [{type(processors).__name__}]")
    for processor in processors:
        if not isinstance(processor, Mapping) or len(processor) != 1:
            raise _parse_error("processor must be an object with exactly one processor type")
        ((name, config),) = processor.items()
        if name not in known:
            raise _parse_error(f"No processor type exists with name [{name}]")
        if not isinstance(config, Mapping):
            raise _parse_error(f"[{name}] processor configuration must be an object")
        if name == "ml_inference":
            check_ml_inference(config)


def check_ml_inference(config: Mapping[str, Any]) -> None:
    """The ``ml_inference`` factory's checks: a model id, maps as lists, input and output of one length."""
    if not isinstance(config.get("model_id"), str):
        raise _parse_error("[model_id] required property is missing")
    for name in ("input_map", "output_map"):
        if config.get(name) is not None and not isinstance(config[name], list):
            raise _parse_error(f"[{name}] property isn't a list")
    inputs, outputs = config.get("input_map"), config.get("output_map")
    if inputs is not None and outputs is not None and len(inputs) != len(outputs):
        raise EngineError("The length of output_map and the length of input_map do no match.")


def check_ingest_body(body: Mapping[str, Any]) -> None:
    """What ``PUT _ingest/pipeline/{id}`` refuses."""
    if "processors" not in body:
        raise _parse_error("[processors] required property is missing")
    _check_processors("processors", body["processors"], INGEST_PROCESSORS)
    if body.get("on_failure") is not None:
        _check_processors("on_failure", body["on_failure"], INGEST_PROCESSORS)


def _check_search_body(body: Mapping[str, Any]) -> None:
    for section in _SEARCH_SECTIONS:
        if body.get(section) is not None:
            _check_processors(section, body[section], SEARCH_PROCESSORS)


class Pipelines:
    """``_ingest/pipeline`` or ``_search/pipeline``: stored by id, bodies kept as sent."""

    def __init__(self, ctx: EngineContext, kind: PipelineKind) -> None:
        self._ctx = ctx
        self.kind = kind
        self.index = INDICES[kind]

    def put(self, pipeline_id: str, body: dict[str, Any] | None) -> dict[str, Any]:
        """Create or replace a pipeline -> ``{"acknowledged": true}``."""
        if not body:
            raise _parse_error("request body is required")
        if self.kind == "ingest":
            check_ingest_body(body)
        else:
            _check_search_body(body)
        with self._ctx.store.write() as tx:
            tx.put(self.index, pipeline_id, dict(body))
        return {"acknowledged": True}

    def get(self, pipeline_id: str | None = None) -> tuple[int, dict[str, Any]]:
        """``{id: body}`` for one pipeline or all of them; 404 with ``{}`` when there is none."""
        with self._ctx.store.read() as tx:
            rows = tx.scan(self.index) if pipeline_id is None else [tx.get(self.index, pipeline_id)]
        found = {row.id: row.source for row in rows if row is not None}
        return (200 if found else 404), found

    def body(self, pipeline_id: str) -> dict[str, Any]:
        """One pipeline's body; 404 like a simulate on an unknown pipeline."""
        with self._ctx.store.read() as tx:
            row = tx.get(self.index, pipeline_id)
        if row is None:
            raise EngineError(f"pipeline [{pipeline_id}] does not exist", 404, "resource_not_found_exception")
        return row.source

    def delete(self, pipeline_id: str) -> dict[str, Any]:
        """Delete a pipeline; 404 ``pipeline [id] is missing`` when there is none."""
        with self._ctx.store.write() as tx:
            if tx.delete(self.index, pipeline_id) is None:
                raise EngineError(f"pipeline [{pipeline_id}] is missing", 404, "resource_not_found_exception")
        return {"acknowledged": True}

    def using_model(self, tx: Transaction, model_id: str) -> list[str]:
        """Ids of the pipelines with a ``model_id`` equal to ``model_id`` anywhere in their body."""
        return [row.id for row in tx.scan(self.index) if _names_model(row.source, model_id)]


def _names_model(value: Any, model_id: str, key: str = "") -> bool:
    if isinstance(value, Mapping):
        return any(_names_model(item, model_id, str(name)) for name, item in value.items())
    if isinstance(value, list):
        return any(_names_model(item, model_id, key) for item in value)
    return key == "model_id" and value == model_id
