"""Pipelines and agents in a plan: comparison by model name, and which resources use which model.

An actual pipeline or agent names models by id; an id of an owned model is shown as
``{model: NAME}`` so it compares equal to the manifest's reference and plans show names. Agents
cannot be updated in ML Commons 2.19: any change to one is a replacement (register new, delete old).
"""

from collections.abc import Mapping
from typing import Any

from mlgitops.model.dependents import REFERENCE_KEY, map_model_ids, model_id_fields
from mlgitops.model.resources import DEPENDENT_KINDS, Kind, ResourceKey
from mlgitops.plan.compare import Comparison
from mlgitops.plan.diffing import build_changes
from mlgitops.plan.normalize import drop_empty
from mlgitops.plan.state import ActualResource, ActualState, DesiredResource

PIPELINE_FIELDS = (
    "description",
    "processors",
    "on_failure",
    "request_processors",
    "response_processors",
    "phase_results_processors",
    "version",
    "_meta",
)
AGENT_FIELDS = ("name", "type", "description", "llm", "memory", "tools", "parameters", "app_type")
AGENT_REPLACE_REASON = "ML Commons has no agent update: a changed agent is registered anew"


def model_names(actual: ActualState) -> dict[str, str]:
    """Owned model ids to their logical names."""
    return {
        resource.resource_id: key.name for key, resource in actual.resources.items() if key.kind == Kind.MODEL
    }


def with_model_names(body: Any, names: Mapping[str, str]) -> Any:
    """A body where every owned model id under ``model_id`` reads ``{model: NAME}``."""

    def named(value: Any) -> Any:
        if isinstance(value, str) and value in names:
            return {REFERENCE_KEY: names[value]}
        return value

    return map_model_ids(body, named)


def used_model_ids(document: Mapping[str, Any]) -> tuple[str, ...]:
    """The literal model ids a pipeline or agent document uses."""
    return tuple(sorted({value for _, value in model_id_fields(document) if isinstance(value, str)}))


def normalize_dependent(kind: Kind, body: Mapping[str, Any], names: Mapping[str, str]) -> dict[str, Any]:
    """The comparable fields of a pipeline or agent body (desired) or GET document (actual)."""
    fields = AGENT_FIELDS if kind == Kind.AGENT else PIPELINE_FIELDS
    out = {key: body[key] for key in fields if key in body}
    if kind == Kind.AGENT and isinstance(out.get("tools"), list):
        out["tools"] = [without_default_tool_output(tool) for tool in out["tools"]]
    return drop_empty(with_model_names(out, names))  # type: ignore[no-any-return]


def without_default_tool_output(tool: Any) -> Any:
    """An agent tool without ``include_output_in_agent_response: false``: the default, echoed back."""
    if isinstance(tool, Mapping) and tool.get("include_output_in_agent_response") is False:
        return {key: value for key, value in tool.items() if key != "include_output_in_agent_response"}
    return tool


def compare_dependent(
    desired: DesiredResource, actual: ActualResource, names: Mapping[str, str]
) -> Comparison:
    """Changes of a pipeline or an agent (``names``: owned model ids to names); agents are replaced."""
    before = normalize_dependent(desired.key.kind, actual.document, names)
    after = normalize_dependent(desired.key.kind, desired.body, names)
    changes = build_changes(before, after)
    reasons = (AGENT_REPLACE_REASON,) if changes and desired.key.kind == Kind.AGENT else ()
    return Comparison(changes, reasons)


def models_used(resource: DesiredResource) -> tuple[ResourceKey, ...]:
    """The Model keys a desired pipeline or agent refers to."""
    return tuple(key for key in resource.depends_on if key.kind == Kind.MODEL)


def actual_references(
    actual: ActualState, names: Mapping[str, str] | None = None
) -> dict[ResourceKey, set[ResourceKey]]:
    """Which owned models each owned pipeline or agent uses, from the target's documents."""
    names = model_names(actual) if names is None else names
    refs: dict[ResourceKey, set[ResourceKey]] = {}
    for key, resource in actual.resources.items():
        if key.kind in DEPENDENT_KINDS:
            used = {
                ResourceKey(Kind.MODEL, names[i]) for i in used_model_ids(resource.document) if i in names
            }
            if used:
                refs[key] = used
    return refs


def users_by_model(
    desired: Mapping[ResourceKey, DesiredResource], used_by_owned: Mapping[ResourceKey, set[ResourceKey]]
) -> dict[ResourceKey, list[ResourceKey]]:
    """The pipelines and agents using each model (desired, or owned: ``actual_references``), in order."""
    found: dict[ResourceKey, set[ResourceKey]] = {}
    for key, resource in desired.items():
        for model in models_used(resource):
            found.setdefault(model, set()).add(key)
    for key, used in used_by_owned.items():
        for model in used:
            found.setdefault(model, set()).add(key)
    order = list(Kind)
    return {model: sorted(keys, key=lambda k: (order.index(k.kind), k.name)) for model, keys in found.items()}
