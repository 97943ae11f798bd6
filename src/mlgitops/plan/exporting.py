"""What a target holds and mlgitops does not own, as manifest documents (``mlgitops import``); pure.

Ids become logical names: a model's group and connector, and every ``model_id`` of a pipeline or an
agent (``{model: NAME}``), name the imported (or already owned) resource. Credentials cannot be read
back, so each is an ``{env: NAME}`` reference with a hint saying which value to provide. Resources
that adoption could not tell apart (two of a kind with one name) are left out with a warning:
``reconcile --adopt`` finds unowned resources by name.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from mlgitops.model.resources import API_VERSION, Kind
from mlgitops.plan import dependents, exportbodies
from mlgitops.plan.exportbodies import CredentialHint
from mlgitops.plan.exportnames import NameBook, build_logical_name, is_logical_name
from mlgitops.plan.exportsettings import build_settings_spec

Json = Mapping[str, Any]
SETTINGS_NAME = "ml-commons"


@dataclass(frozen=True)
class TargetSnapshot:
    """Everything read from a target for an import.

    ``settings``: explicitly set cluster settings per scope (``persistent``/``transient``, flat keys).
    ``documents``: kind -> resource id -> GET/search document. ``owned``: ids mlgitops owns, with
    their logical names (from its ownership records); ``owns_settings``: a ClusterSettings is owned.
    """

    settings: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    documents: Mapping[Kind, Mapping[str, Json]] = field(default_factory=dict)
    owned: Mapping[str, str] = field(default_factory=dict)
    owns_settings: bool = False


@dataclass(frozen=True)
class Export:
    """Manifest documents per kind, the credentials to provide, and what was left out (and why)."""

    documents: Mapping[Kind, list[dict[str, Any]]]
    credentials: tuple[CredentialHint, ...]
    warnings: tuple[str, ...]


def build_document(kind: Kind, name: str, spec: Mapping[str, Any]) -> dict[str, Any]:
    """A manifest document."""
    return {"apiVersion": API_VERSION, "kind": kind.value, "metadata": {"name": name}, "spec": dict(spec)}


class _Exporter:
    def __init__(self, snapshot: TargetSnapshot) -> None:
        self.snapshot = snapshot
        self.documents: dict[Kind, list[dict[str, Any]]] = {}
        self.credentials: list[CredentialHint] = []
        self.warnings: list[str] = []
        self.names: dict[str, str] = dict(snapshot.owned)  # resource id -> logical name
        self.model_names: dict[str, str] = {}  # model id -> logical name, known once models() ran
        self.env_names = NameBook()

    def unowned(self, kind: Kind) -> list[tuple[str, Json]]:
        """Unowned resources of ``kind``, oldest first (the order adoption matches look-alikes in)."""
        found = self.snapshot.documents.get(kind, {})
        items = [(rid, doc) for rid, doc in found.items() if rid not in self.snapshot.owned]
        return sorted(items, key=lambda item: (int(item[1].get("created_time") or 0), item[0]))

    def add(self, kind: Kind, name: str, spec: Mapping[str, Any]) -> None:
        self.documents.setdefault(kind, []).append(build_document(kind, name, spec))

    def named(self, kind: Kind, fallback: str) -> list[tuple[str, str, Json]]:
        """``(id, logical name, document)`` of unowned resources; later ones sharing a name are left out."""
        book = NameBook({name for rid, name in self.snapshot.owned.items() if rid in self._ids(kind)})
        seen: dict[str, str] = {}
        out: list[tuple[str, str, Json]] = []
        for resource_id, document in self.unowned(kind):
            ml_name = str(document.get("name") or "")
            if ml_name in seen:
                self.warnings.append(
                    f"{kind.value} {resource_id} ({ml_name!r}) left out: {seen[ml_name]} has the same name, "
                    "and adoption finds resources by name; rename one of them on the target first"
                )
                continue
            seen[ml_name] = resource_id
            name = book.claim(build_logical_name(ml_name, fallback))
            self.names[resource_id] = name
            out.append((resource_id, name, document))
        return out

    def _ids(self, kind: Kind) -> Mapping[str, Json]:
        return self.snapshot.documents.get(kind, {})

    def settings(self) -> None:
        if self.snapshot.owns_settings:
            self.warnings.append(
                "cluster settings left out: mlgitops already manages a ClusterSettings on this target"
            )
            return
        spec, skipped = build_settings_spec(self.snapshot.settings)
        self.warnings.extend(skipped)
        if spec:
            self.add(Kind.CLUSTER_SETTINGS, SETTINGS_NAME, spec)

    def groups(self) -> None:
        for _, name, document in self.named(Kind.MODEL_GROUP, "model-group"):
            self.add(Kind.MODEL_GROUP, name, exportbodies.build_group_spec(document, name))

    def connectors(self) -> None:
        for _, name, document in self.named(Kind.CONNECTOR, "connector"):
            spec, hints = exportbodies.build_connector_spec(document, name, self.env_names, inline=False)
            self.credentials.extend(hints)
            self.add(Kind.CONNECTOR, name, spec)

    def models(self) -> None:
        for resource_id, name, document in self.named(Kind.MODEL, "model"):
            spec, hints, why = exportbodies.build_model_spec(document, name, self.names, self.env_names)
            if spec is None:
                self.warnings.append(f"Model {resource_id} ({document.get('name')!r}) left out: {why}")
                self.names.pop(resource_id, None)
                continue
            self.credentials.extend(hints)
            self.add(Kind.MODEL, name, spec)
        models = self.snapshot.documents.get(Kind.MODEL, {})
        self.model_names = {rid: name for rid, name in self.names.items() if rid in models}

    def pipelines(self, kind: Kind) -> None:
        for pipeline_id, document in self.unowned(kind):
            if not is_logical_name(pipeline_id):
                self.warnings.append(
                    f"{kind.value} {pipeline_id!r} left out: its id is its metadata.name and is not valid "
                    "as one (letters, digits, '.', '_', '-'; at most 128)"
                )
                continue
            body = exportbodies.pick(document, exportbodies.PIPELINE_FIELDS)
            self.add(kind, pipeline_id, self.with_model_names(body))

    def agents(self) -> None:
        for _, name, document in self.named(Kind.AGENT, "agent"):
            spec = exportbodies.build_agent_spec(document, name)
            self.add(Kind.AGENT, name, self.with_model_names(spec))

    def with_model_names(self, body: Mapping[str, Any]) -> dict[str, Any]:
        """``body`` with every ``model_id`` of an imported or owned model as ``{model: NAME}``."""
        return dict(dependents.with_model_names(body, self.model_names))


def build_export(snapshot: TargetSnapshot) -> Export:
    """Manifest documents for everything in ``snapshot`` that mlgitops does not own."""
    exporter = _Exporter(snapshot)
    exporter.settings()
    exporter.groups()
    exporter.connectors()
    exporter.models()
    exporter.pipelines(Kind.INGEST_PIPELINE)
    exporter.pipelines(Kind.SEARCH_PIPELINE)
    exporter.agents()
    return Export(exporter.documents, tuple(exporter.credentials), tuple(exporter.warnings))
