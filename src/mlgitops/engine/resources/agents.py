"""ML Commons agents: register, get, search, delete, and a flow agent's execute through MLModelTool.

As on the 2.19.1 cluster, registration accepts any ``model_id`` (the model need not exist) and there
is no update. A flow agent runs its tools in order: each tool gets its own ``parameters``, overridden
by the request's (``TOOL.key`` names one tool's), ``input`` filled from them; an ``MLModelTool``
predicts with them and answers the model output's ``response_field`` (default ``response``), or the
whole first tensor as JSON. Other tool types and other agent types are not run by the engine.
"""

import json
from collections.abc import Mapping
from typing import Any

from mlgitops.engine.resources.context import EngineContext
from mlgitops.engine.resources.lifecycle import Lifecycle
from mlgitops.engine.resources.responses import write_response
from mlgitops.engine.storage import ids, searching
from mlgitops.engine.storage.store import Transaction
from mlgitops.errors import EngineError
from mlgitops.model.dependents import AGENT_TYPES
from mlgitops.model.templates import PARAMETERS, substitute

AGENT_INDEX = ".plugins-ml-agent"


def _not_found(agent_id: str) -> EngineError:
    return EngineError(
        f"Failed to find agent with the provided agent id: {agent_id}", 404, "status_exception"
    )


def _stored(body: Mapping[str, Any]) -> dict[str, Any]:
    if not isinstance(body.get("name"), str) or not body["name"]:
        raise EngineError("Agent name can't be null")
    if str(body.get("type", "")).lower() not in AGENT_TYPES:
        raise EngineError(f"Wrong Agent type: {body.get('type')}")
    tools = body.get("tools") or []
    if not isinstance(tools, list) or not all(isinstance(t, Mapping) and t.get("type") for t in tools):
        raise EngineError("tools must be a list of objects with a type", 400, "parse_exception")
    now = ids.now_ms()
    source: dict[str, Any] = {key: value for key, value in body.items() if value is not None}
    source["tools"] = [{"include_output_in_agent_response": False, **tool} for tool in tools]
    if not tools:
        del source["tools"]
    llm = body.get("llm")
    if isinstance(llm, Mapping):
        source["llm"] = {key: value for key, value in llm.items() if value not in (None, {})}
    return {**source, "created_time": now, "last_updated_time": now, "is_hidden": False}


class Agents:
    """``/_plugins/_ml/agents``."""

    def __init__(self, ctx: EngineContext, lifecycle: Lifecycle) -> None:
        self._ctx = ctx
        self._lifecycle = lifecycle

    def register(self, body: dict[str, Any] | None) -> dict[str, Any]:
        """Store an agent -> ``{"agent_id"}`` (model ids are not checked, as on the real cluster)."""
        source = _stored(body or {})
        agent_id = ids.new_id()
        with self._ctx.store.write() as tx:
            tx.put(AGENT_INDEX, agent_id, source)
        return {"agent_id": agent_id}

    def get(self, agent_id: str) -> dict[str, Any]:
        """The agent document."""
        with self._ctx.store.read() as tx:
            row = tx.get(AGENT_INDEX, agent_id)
        if row is None:
            raise _not_found(agent_id)
        return row.source

    def search(self, body: dict[str, Any] | None, params: Mapping[str, str]) -> dict[str, Any]:
        """Search agents."""
        with self._ctx.store.read() as tx:
            return searching.search(
                lambda after: tx.rows(AGENT_INDEX, after), body, params, window=self._ctx.max_result_window
            )

    def delete(self, agent_id: str) -> dict[str, Any]:
        """Delete an agent; 404 ``Fail to find ml agent`` when there is none."""
        with self._ctx.store.write() as tx:
            deleted = tx.delete(AGENT_INDEX, agent_id)
        if deleted is None:
            raise EngineError("Fail to find ml agent", 404, "status_exception")
        return write_response(deleted, "deleted")

    def using_model(self, tx: Transaction, model_id: str) -> list[str]:
        """Ids of the agents whose ``llm.model_id`` or a tool's ``parameters.model_id`` is ``model_id``."""
        return [row.id for row in tx.scan(AGENT_INDEX) if model_id in _model_ids(row.source)]

    def execute(self, agent_id: str, body: dict[str, Any] | None) -> dict[str, Any]:
        """Run a flow agent's tools in order -> ``{"inference_results": [{"output": [...]}]}``."""
        agent = self.get(agent_id)
        if str(agent.get("type", "")).lower() != "flow":
            raise EngineError(f"the mlgitops engine runs flow agents only, not {agent.get('type')} agents")
        raw = (body or {}).get("parameters") or {}
        if not isinstance(raw, Mapping):
            raise EngineError("[parameters] must be an object", 400, "parse_exception")
        params = {**_strings(agent.get("parameters") or {}), **_strings(raw)}
        tools = list(agent.get("tools") or [])
        if not tools:
            raise EngineError("no tool to run in this agent")
        outputs: list[dict[str, Any]] = []
        for position, tool in enumerate(tools):
            name = str(tool.get("name") or tool["type"])
            result = self._run_tool(tool, params)
            params[f"{name}.output"] = result
            if tool.get("include_output_in_agent_response") or position == len(tools) - 1:
                outputs.append({"name": name if len(tools) > 1 else "response", "result": result})
        return {"inference_results": [{"output": outputs}]}

    def _run_tool(self, tool: Mapping[str, Any], params: Mapping[str, str]) -> str:
        kind, name = str(tool["type"]), tool.get("name")
        if kind != "MLModelTool":
            raise EngineError(f"the mlgitops engine cannot run tool type {kind} (MLModelTool only)")
        execute = _strings(tool.get("parameters") or {})
        for key, value in params.items():
            for prefix in (f"{kind}.", f"{name}." if name else None):
                if prefix and key.startswith(prefix):
                    key = key[len(prefix) :]
            execute[key] = value
        if "input" in execute:
            execute["input"] = substitute(execute["input"], PARAMETERS, execute)
        model_id = execute.pop("model_id", None)
        if not model_id:
            raise EngineError("model_id is required for MLModelTool")
        response_field = execute.pop("response_field", "response")
        output = self._lifecycle.predict(model_id, {"parameters": execute})
        return _tool_output(output, response_field)


def _strings(values: Mapping[str, Any]) -> dict[str, str]:
    return {
        str(k): v if isinstance(v, str) else json.dumps(v, separators=(",", ":")) for k, v in values.items()
    }


def _tool_output(output: Mapping[str, Any], response_field: str) -> str:
    try:
        data = output["inference_results"][0]["output"][0]["dataAsMap"]
    except (KeyError, IndexError, TypeError):
        raise EngineError("LLM returns wrong or empty tensors", 500, "illegal_state_exception") from None
    if isinstance(data, Mapping) and response_field in data:
        value = data[response_field]
        return value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))
    return json.dumps(data, separators=(",", ":"))


def _model_ids(agent: Mapping[str, Any]) -> set[str]:
    found = set()
    llm = agent.get("llm")
    if isinstance(llm, Mapping) and isinstance(llm.get("model_id"), str):
        found.add(llm["model_id"])
    for tool in agent.get("tools") or []:
        parameters = tool.get("parameters") if isinstance(tool, Mapping) else None
        if isinstance(parameters, Mapping) and isinstance(parameters.get("model_id"), str):
            found.add(parameters["model_id"])
    return found
