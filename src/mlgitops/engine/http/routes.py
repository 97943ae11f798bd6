"""The route table: ML Commons paths, cluster endpoints and the document API mapped to engine calls."""

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from mlgitops.engine.api import LocalEngine
from mlgitops.engine.http import jsonbody
from mlgitops.engine.resources.responses import parsing_error
from mlgitops.errors import EngineError

Result = dict[str, Any] | tuple[int, dict[str, Any] | None]


@dataclass(frozen=True)
class Call:
    """One routed request."""

    engine: LocalEngine
    path: Mapping[str, str]
    query: Mapping[str, str]
    body: Any = field(repr=False)  # may hold plaintext credentials (connector create/update)
    raw: bytes | None = field(default=None, repr=False)  # the unparsed body (``_bulk`` is NDJSON)

    @property
    def json(self) -> dict[str, Any] | None:
        """The body as an object (None when empty); anything else is a 400."""
        if self.body is None or isinstance(self.body, dict):
            return self.body
        error = parsing_error("START_OBJECT", self.body)
        raise EngineError(str(error), error.status, error.error_type, jsonbody.root_position(self.raw))

    def required(
        self, message: str, status: int = 400, error_type: str = "parse_exception"
    ) -> dict[str, Any]:
        """The body as an object; ``message`` (ML Commons' words for this endpoint) when there is none."""
        body = self.json
        if body is None:
            raise EngineError(message, status, error_type)
        return body

    def flag(self, name: str) -> bool:
        """A boolean query parameter (``?name``, ``?name=true``)."""
        return self.query.get(name, "false").lower() in ("", "true")


Handler = Callable[[Call], Result]
_ML = "/_plugins/_ml"
_ID = r"(?P<id>[^/]+)"
_INDEX = r"/(?P<index>[^/_][^/]*)"


def _register(call: Call) -> Result:
    response = call.engine.models.register(call.required("request body is required"))
    if call.flag("deploy"):
        call.engine.lifecycle.deploy(response["model_id"])
    return response


def _undeploy_many(call: Call) -> Result:
    model_ids = (call.json or {}).get("model_ids") or []
    if not isinstance(model_ids, list):
        raise EngineError("[model_ids] must be an array", 400, "parse_exception")
    return call.engine.lifecycle.undeploy([str(i) for i in model_ids])


def _settings(call: Call) -> Result:
    return call.engine.settings.get(
        flat_settings=call.flag("flat_settings"), include_defaults=call.flag("include_defaults")
    )


def _doc_write(create: bool) -> Handler:
    def handler(call: Call) -> Result:
        return call.engine.documents.index(
            call.path["index"], call.path.get("id"), call.json, call.query, create_only=create
        )

    return handler


def _health(call: Call) -> Result:
    """``_cluster/health[/{index}]``: one node, every shard started (a missing index is a 404)."""
    index = call.path.get("index")
    if index is not None:
        call.engine.documents.describe_index(index)  # raises index_not_found_exception
    return {
        "cluster_name": call.engine.cluster_info()["cluster_name"],
        "status": "green",
        "timed_out": False,
        "number_of_nodes": 1,
        "number_of_data_nodes": 1,
        "active_primary_shards": 1 if index else 0,
        "active_shards": 1 if index else 0,
        "relocating_shards": 0,
        "initializing_shards": 0,
        "unassigned_shards": 0,
    }


def _head_index(call: Call) -> Result:
    return (200 if call.engine.documents.exists(call.path["index"]) else 404), None


def _pipelines(call: Call, kind: str) -> Any:
    return call.engine.ingest_pipelines if kind == "ingest" else call.engine.search_pipelines


def _pipeline_routes(kind: str) -> list[tuple[frozenset[str], str, Handler]]:
    base = rf"/_{kind}/pipeline"
    return [
        (frozenset({"GET"}), base + "/?", lambda c: _pipelines(c, kind).get()),
        (frozenset({"GET"}), base + "/" + _ID, lambda c: _pipelines(c, kind).get(c.path["id"])),
        (frozenset({"PUT"}), base + "/" + _ID, lambda c: _pipelines(c, kind).put(c.path["id"], c.json)),
        (frozenset({"DELETE"}), base + "/" + _ID, lambda c: _pipelines(c, kind).delete(c.path["id"])),
    ]


_AGENTS = _ML + r"/agents/"
DEPENDENT_ROUTES: list[tuple[frozenset[str], str, Handler]] = [
    (
        frozenset({"GET", "POST"}),
        r"/_ingest/pipeline/_simulate",
        lambda c: c.engine.simulator.simulate(None, c.json),
    ),
    (
        frozenset({"GET", "POST"}),
        r"/_ingest/pipeline/" + _ID + r"/_simulate",
        lambda c: c.engine.simulator.simulate(c.path["id"], c.json),
    ),
    *_pipeline_routes("ingest"),
    *_pipeline_routes("search"),
    (frozenset({"POST"}), _AGENTS + "_register", lambda c: c.engine.agents.register(c.json)),
    (frozenset({"GET", "POST"}), _AGENTS + "_search", lambda c: c.engine.agents.search(c.json, c.query)),
    (
        frozenset({"POST"}),
        _AGENTS + _ID + "/_execute",
        lambda c: c.engine.agents.execute(c.path["id"], c.json),
    ),
    (frozenset({"GET"}), _AGENTS + _ID, lambda c: c.engine.agents.get(c.path["id"])),
    (frozenset({"DELETE"}), _AGENTS + _ID, lambda c: c.engine.agents.delete(c.path["id"])),
]

_e = LocalEngine
ROUTES: list[tuple[frozenset[str], str, Handler]] = [
    *DEPENDENT_ROUTES,
    (frozenset({"GET"}), r"/", lambda c: c.engine.cluster_info()),
    (frozenset({"HEAD"}), r"/", lambda _c: (200, None)),
    (frozenset({"GET"}), r"/_cluster/settings", _settings),
    (frozenset({"GET"}), r"/_cluster/health(?:/(?P<index>[^/]+))?", _health),
    (frozenset({"PUT"}), r"/_cluster/settings", lambda c: c.engine.settings.put(c.json)),
    (
        frozenset({"POST"}),
        _ML + r"/model_groups/_register",
        lambda c: c.engine.model_groups.register(c.required("Model group request has empty body")),
    ),
    (
        frozenset({"GET", "POST"}),
        _ML + r"/model_groups/_search",
        lambda c: c.engine.model_groups.search(c.json, c.query),
    ),
    (frozenset({"GET"}), _ML + r"/model_groups/" + _ID, lambda c: c.engine.model_groups.get(c.path["id"])),
    (
        frozenset({"PUT"}),
        _ML + r"/model_groups/" + _ID,
        lambda c: c.engine.model_groups.update(
            c.path["id"], c.required("Model group request has empty body", 500, "i_o_exception")
        ),
    ),
    (
        frozenset({"DELETE"}),
        _ML + r"/model_groups/" + _ID,
        lambda c: c.engine.model_groups.delete(c.path["id"]),
    ),
    (
        frozenset({"POST"}),
        _ML + r"/connectors/_create",
        lambda c: c.engine.connectors.create(
            c.required("Create Connector request has empty body", 500, "i_o_exception")
        ),
    ),
    (
        frozenset({"GET", "POST"}),
        _ML + r"/connectors/_search",
        lambda c: c.engine.connectors.search(c.json, c.query),
    ),
    (frozenset({"GET"}), _ML + r"/connectors/" + _ID, lambda c: c.engine.connectors.get(c.path["id"])),
    (
        frozenset({"PUT"}),
        _ML + r"/connectors/" + _ID,
        lambda c: c.engine.connectors.update(c.path["id"], c.json),
    ),
    (frozenset({"DELETE"}), _ML + r"/connectors/" + _ID, lambda c: c.engine.connectors.delete(c.path["id"])),
    (frozenset({"POST"}), _ML + r"/models/_(?:register|upload)", _register),
    (frozenset({"GET", "POST"}), _ML + r"/models/_search", lambda c: c.engine.models.search(c.json, c.query)),
    (frozenset({"POST"}), _ML + r"/models/_(?:undeploy|unload)", _undeploy_many),
    (
        frozenset({"POST"}),
        _ML + r"/models/" + _ID + r"/_(?:deploy|load)",
        lambda c: c.engine.lifecycle.deploy(c.path["id"], c.json),
    ),
    (
        frozenset({"POST"}),
        _ML + r"/models/" + _ID + r"/_(?:undeploy|unload)",
        lambda c: c.engine.lifecycle.undeploy([c.path["id"]]),
    ),
    (
        frozenset({"POST"}),
        _ML + r"/models/" + _ID + r"/_predict/?",
        lambda c: c.engine.lifecycle.predict(c.path["id"], c.json),
    ),
    (
        frozenset({"POST"}),
        _ML + r"/_predict/(?P<algorithm>[^/]+)/" + _ID + "/?",
        lambda c: c.engine.lifecycle.predict(c.path["id"], c.json),
    ),
    (frozenset({"GET"}), _ML + r"/models/" + _ID, lambda c: c.engine.models.get(c.path["id"])),
    (frozenset({"PUT"}), _ML + r"/models/" + _ID, lambda c: c.engine.models.update(c.path["id"], c.json)),
    (frozenset({"DELETE"}), _ML + r"/models/" + _ID, lambda c: c.engine.models.delete(c.path["id"])),
    (frozenset({"GET", "POST"}), _ML + r"/tasks/_search", lambda c: c.engine.tasks.search(c.json, c.query)),
    (frozenset({"GET"}), _ML + r"/tasks/" + _ID, lambda c: c.engine.tasks.get(c.path["id"])),
    (frozenset({"DELETE"}), _ML + r"/tasks/" + _ID, lambda c: c.engine.tasks.delete(c.path["id"])),
    (frozenset({"PUT", "POST"}), _INDEX + r"/_doc/" + _ID, _doc_write(create=False)),
    (frozenset({"POST"}), _INDEX + r"/_doc", _doc_write(create=False)),
    (frozenset({"PUT", "POST"}), _INDEX + r"/_create/" + _ID, _doc_write(create=True)),
    (
        frozenset({"GET"}),
        _INDEX + r"/_doc/" + _ID,
        lambda c: c.engine.documents.get(c.path["index"], c.path["id"]),
    ),
    (
        frozenset({"DELETE"}),
        _INDEX + r"/_doc/" + _ID,
        lambda c: c.engine.documents.delete(c.path["index"], c.path["id"], c.query),
    ),
    (
        frozenset({"GET", "POST"}),
        _INDEX + r"/_search",
        lambda c: c.engine.documents.search(c.path["index"], c.json, c.query),
    ),
    (
        frozenset({"GET", "POST"}),
        _INDEX + r"/_refresh",
        lambda c: c.engine.documents.refresh(c.path["index"], c.query),
    ),
    (frozenset({"POST", "PUT"}), r"/_bulk", lambda c: c.engine.bulk.run(c.raw)),
    (
        frozenset({"POST", "PUT"}),
        _INDEX + r"/_bulk",
        lambda c: c.engine.bulk.run(c.raw, c.path["index"]),
    ),
    (frozenset({"HEAD"}), _INDEX, _head_index),
    (frozenset({"GET"}), _INDEX, lambda c: c.engine.documents.describe_index(c.path["index"])),
    (frozenset({"PUT"}), _INDEX, lambda c: c.engine.documents.create_index(c.path["index"])),
    (frozenset({"DELETE"}), _INDEX, lambda c: c.engine.documents.delete_index(c.path["index"])),
]
COMPILED = [(methods, re.compile(pattern), handler) for methods, pattern, handler in ROUTES]
