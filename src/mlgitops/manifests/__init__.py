"""Load manifests from disk, validate them (JSON Schema + semantic checks) and resolve credentials."""

from mlgitops.manifests.cache import ManifestCache
from mlgitops.manifests.credentials import resolve_credentials
from mlgitops.manifests.documents import ManifestSet, SourcedDocument
from mlgitops.manifests.issues import Issue
from mlgitops.manifests.pipeline import load_manifests
from mlgitops.manifests.project import default_manifest_paths, project_variables, read_project_config
from mlgitops.manifests.rendering import render_github, render_json, render_text

__all__ = [
    "Issue",
    "ManifestCache",
    "ManifestSet",
    "SourcedDocument",
    "default_manifest_paths",
    "load_manifests",
    "project_variables",
    "read_project_config",
    "render_github",
    "render_json",
    "render_text",
    "resolve_credentials",
]
