"""Resources that use models by id: ingest pipelines, search pipelines and agents.

Each spec takes the body exactly as OpenSearch takes it. Wherever a model id is expected (any field
named ``model_id``: an ``ml_inference`` processor, a RAG processor, an agent's ``llm.model_id``, an
``MLModelTool``'s parameters), the manifest may write ``{model: NAME}``, a reference to a Model
manifest by logical name; it is resolved to the model's current id when the plan is applied.
"""

from collections.abc import Iterator, Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

MODEL_ID_FIELD = "model_id"
REFERENCE_KEY = "model"
AGENT_TYPES = ("flow", "conversational_flow", "conversational")

# A path inside a body: keys and list indexes.
BodyPath = tuple[str | int, ...]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class ModelRef(_Strict):
    """A model by the logical name of its Model manifest; its id is filled in when applying."""

    model: str = Field(min_length=1, description="metadata.name of a Model manifest.")


ModelId = ModelRef | str

Processor = dict[str, Any]
_PROCESSOR_DOC = "One processor, as OpenSearch takes it ({type: {...}}); any model_id may be {model: NAME}."


class IngestPipelineSpec(_Strict):
    """The body of ``PUT _ingest/pipeline/{metadata.name}``."""

    description: str | None = None
    processors: list[Processor] = Field(min_length=1, description=_PROCESSOR_DOC)
    on_failure: list[Processor] | None = None
    version: int | None = None
    meta: dict[str, Any] | None = Field(default=None, alias="_meta")


class SearchPipelineSpec(_Strict):
    """The body of ``PUT _search/pipeline/{metadata.name}``."""

    description: str | None = None
    request_processors: list[Processor] | None = Field(default=None, description=_PROCESSOR_DOC)
    response_processors: list[Processor] | None = Field(default=None, description=_PROCESSOR_DOC)
    phase_results_processors: list[Processor] | None = None
    version: int | None = None


class AgentLLM(_Strict):
    """The model a conversational agent reasons with."""

    model_id: ModelId = Field(description="{model: NAME} (a Model manifest) or a literal model id.")
    parameters: dict[str, Any] | None = None


class AgentTool(_Strict):
    """One tool of an agent (``MLModelTool``'s ``parameters.model_id`` may be ``{model: NAME}``)."""

    type: str = Field(min_length=1, description="Tool type, e.g. MLModelTool, VectorDBTool.")
    name: str | None = None
    description: str | None = None
    parameters: dict[str, Any] | None = None
    attributes: dict[str, Any] | None = None
    include_output_in_agent_response: bool | None = None


class AgentSpec(_Strict):
    """The body of ``POST /_plugins/_ml/agents/_register``; any change registers a new agent."""

    name: str | None = Field(default=None, description="Defaults to metadata.name.")
    type: Literal["flow", "conversational_flow", "conversational"] = Field(
        description="flow (tools in order), conversational_flow or conversational (ML Commons 2.19)."
    )
    description: str | None = None
    llm: AgentLLM | None = None
    memory: dict[str, Any] | None = None
    tools: list[AgentTool] | None = None
    parameters: dict[str, Any] | None = None
    app_type: str | None = None


def is_reference(value: Any) -> bool:
    """True for a ``{model: NAME}`` mapping (exactly that one key, a string)."""
    return (
        isinstance(value, Mapping) and set(value) == {REFERENCE_KEY} and isinstance(value[REFERENCE_KEY], str)
    )


def model_id_fields(body: Any, at: BodyPath = ()) -> Iterator[tuple[BodyPath, Any]]:
    """Every ``model_id`` field of a body, with its path and value, in document order."""
    if isinstance(body, Mapping):
        for key, value in body.items():
            if key == MODEL_ID_FIELD:
                yield (*at, key), value
            else:
                yield from model_id_fields(value, (*at, str(key)))
    elif isinstance(body, list):
        for index, item in enumerate(body):
            yield from model_id_fields(item, (*at, index))


def referenced_models(body: Any) -> tuple[str, ...]:
    """Logical names of the models a body refers to with ``{model: NAME}``, sorted, no duplicates."""
    return tuple(sorted({value[REFERENCE_KEY] for _, value in model_id_fields(body) if is_reference(value)}))


def map_model_ids(body: Any, replace: Any) -> Any:
    """A copy of ``body`` where every ``model_id`` value ``v`` becomes ``replace(v)``."""
    if isinstance(body, Mapping):
        return {
            key: replace(value) if key == MODEL_ID_FIELD else map_model_ids(value, replace)
            for key, value in body.items()
        }
    if isinstance(body, list):
        return [map_model_ids(item, replace) for item in body]
    return body
