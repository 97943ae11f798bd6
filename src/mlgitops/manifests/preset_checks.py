"""Models whose connector gets an ML Commons interface preset that its post-process cannot satisfy."""

from collections.abc import Iterator, Mapping

from mlgitops.manifests.connector_memo import ConnectorMemo
from mlgitops.manifests.documents import SourcedDocument
from mlgitops.manifests.issues import Issue
from mlgitops.manifests.positions import JsonPath
from mlgitops.model import presets
from mlgitops.model.resources import ConnectorSpec, ModelDocument

_PRESET_FIELDS = {"parameters", "actions"}  # all that decides the preset and whether it fits


def check_preset(
    doc: SourcedDocument,
    document: ModelDocument,
    connectors: Mapping[str, ConnectorSpec],
    memo: ConnectorMemo | None = None,
) -> Iterator[Issue]:
    """A warning at the Model's connector when 2.19 would attach a preset that refuses every answer.

    Only a Model without ``interface`` gets a preset (``interface: {}`` switches it off).
    """
    spec = document.spec
    if spec.interface is not None:
        return
    at: JsonPath
    connector: ConnectorSpec
    if spec.inline_connector is not None:
        at, connector = ("spec", "inline_connector"), spec.inline_connector
    elif spec.connector is not None and spec.connector in connectors:
        at, connector = ("spec", "connector"), connectors[spec.connector]
    else:
        return
    conflict = preset_conflict_of(connector) if memo is None else memo.of_body(connector, preset_conflict_of)
    if conflict is not None:
        yield doc.issue(at, conflict, "warning")


def preset_conflict_of(connector: ConnectorSpec) -> str | None:
    """``presets.preset_conflict`` of a connector body (reads its parameters and actions only)."""
    return presets.preset_conflict(connector.model_dump(include=_PRESET_FIELDS, exclude_none=True))
