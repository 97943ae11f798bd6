"""Checks of pipelines and agents: their model references, and the tools ML Commons needs a model for.

Every ``model_id`` is either a literal id (a model mlgitops does not manage) or ``{model: NAME}``:
NAME must be a Model in the manifests, and that model must be deployed (``deployed: true``), since
a pipeline or agent using an undeployed model fails at every call.
"""

import difflib
from collections.abc import Iterator, Mapping, Sequence, Set
from typing import Any

from mlgitops.manifests.documents import SourcedDocument
from mlgitops.manifests.issues import Issue
from mlgitops.model.dependents import REFERENCE_KEY, is_reference, model_id_fields
from mlgitops.model.resources import DEPENDENT_KINDS, AgentDocument, Kind, ModelDocument, ResourceKey

_DEPENDENT_DOCUMENTS = ("IngestPipeline", "SearchPipeline", "Agent")


def check_dependents(documents: Sequence[SourcedDocument], names: Set[ResourceKey]) -> Iterator[Issue]:
    """Every problem of the pipelines and agents in ``documents``.

    ``names`` holds every declared resource (also those that failed validation, whose references are
    not reported again).
    """
    dependents = [doc for doc in documents if doc.key.kind in DEPENDENT_KINDS]
    if not dependents:
        return
    deployed = {
        doc.document.metadata.name: doc.document.spec.deployed
        for doc in documents
        if isinstance(doc.document, ModelDocument)
    }
    for doc in dependents:
        if doc.document.kind_name() in _DEPENDENT_DOCUMENTS:
            spec = doc.document.spec.model_dump(exclude_none=True, by_alias=True)
            yield from _references(doc, spec, names, deployed)
            if isinstance(doc.document, AgentDocument):
                yield from _agent(doc, spec)


def _references(
    doc: SourcedDocument, spec: Mapping[str, Any], names: Set[ResourceKey], deployed: Mapping[str, bool]
) -> Iterator[Issue]:
    for path, value in model_id_fields(spec):
        at = ("spec", *path)
        if isinstance(value, Mapping) and not is_reference(value):
            yield doc.issue(at, "model_id takes a model id or {model: NAME} (the name of a Model manifest)")
        elif not is_reference(value):
            continue
        else:
            name = value[REFERENCE_KEY]
            if ResourceKey(Kind.MODEL, name) not in names:
                yield doc.issue(at, _unknown(name, names))
            elif deployed.get(name) is False:
                yield doc.issue(
                    at,
                    f"Model/{name} has deployed: false, so every call through this {doc.key.kind.value} "
                    "would fail; set deployed: true on the model, or use another one",
                )


def _unknown(name: str, names: Set[ResourceKey]) -> str:
    known = sorted(key.name for key in names if key.kind == Kind.MODEL)
    close = difflib.get_close_matches(name, known, n=1)
    hint = f"; did you mean '{close[0]}'?" if close else ""
    return f"no Model named '{name}' in the manifests{hint}"


def _agent(doc: SourcedDocument, spec: Mapping[str, Any]) -> Iterator[Issue]:
    if spec.get("type") == "conversational" and "llm" not in spec:
        message = "a conversational agent needs llm.model_id (the model it reasons with)"
        yield doc.issue(("spec", "type"), message)
    for index, tool in enumerate(spec.get("tools") or []):
        if tool.get("type") == "MLModelTool" and "model_id" not in (tool.get("parameters") or {}):
            message = "an MLModelTool needs parameters.model_id ({model: NAME} or a model id)"
            yield doc.issue(("spec", "tools", index, "type"), message)
