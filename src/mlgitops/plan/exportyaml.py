"""Imported documents as YAML files, one per kind, with the schema line and credential comments; pure."""

from collections.abc import Mapping, Sequence
from typing import Any

import yaml

from mlgitops.model.resources import Kind
from mlgitops.plan.exportbodies import CredentialHint

FILE_NAMES: dict[Kind, str] = {
    Kind.CLUSTER_SETTINGS: "cluster-settings.yaml",
    Kind.MODEL_GROUP: "model-groups.yaml",
    Kind.CONNECTOR: "connectors.yaml",
    Kind.MODEL: "models.yaml",
    Kind.INGEST_PIPELINE: "ingest-pipelines.yaml",
    Kind.SEARCH_PIPELINE: "search-pipelines.yaml",
    Kind.AGENT: "agents.yaml",
}
_SMALL_KEYS = frozenset({"env", "model"})


class _Dumper(yaml.SafeDumper):
    """Block style; ``{env: X}`` and ``{model: X}`` inline; multi-line strings as literal blocks."""


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    style = "|" if "\n" in value and not any(line != line.rstrip() for line in value.split("\n")) else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


def _represent_dict(dumper: yaml.SafeDumper, value: dict[Any, Any]) -> yaml.Node:
    flow = len(value) == 1 and set(value) <= _SMALL_KEYS and all(isinstance(v, str) for v in value.values())
    return dumper.represent_mapping("tag:yaml.org,2002:map", value.items(), flow_style=flow)


_Dumper.add_representer(str, _represent_str)
_Dumper.add_representer(dict, _represent_dict)


def render_document(document: Mapping[str, Any]) -> str:
    """One document as block YAML, keys in the order given."""
    return yaml.dump(
        dict(document),
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
        width=4096,
    )


def _with_comments(text: str, hints: Sequence[CredentialHint]) -> str:
    comments = {f"{{env: {hint.env}}}": hint.comment() for hint in hints}
    lines = []
    for line in text.splitlines():
        stripped = line.rstrip()
        for reference, comment in comments.items():
            if stripped.endswith(reference):
                line = f"{stripped}  # {comment}"
                break
        lines.append(line)
    return "\n".join(lines) + "\n"


def render_files(
    documents: Mapping[Kind, Sequence[Mapping[str, Any]]],
    hints: Sequence[CredentialHint],
    schema_path: str,
) -> dict[str, str]:
    """File name -> text, one file per kind that has documents, in apply order."""
    files: dict[str, str] = {}
    for kind in Kind:
        found = documents.get(kind) or []
        if not found:
            continue
        header = (
            f"# yaml-language-server: $schema={schema_path}\n"
            f"# {kind.value} resources imported from the target by `mlgitops import`.\n"
        )
        body = "---\n".join(render_document(document) for document in found)
        files[FILE_NAMES[kind]] = header + _with_comments(body, hints)
    return files
