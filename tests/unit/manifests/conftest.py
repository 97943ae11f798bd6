"""Helpers for manifest tests: write YAML into tmp_path and load it."""

import textwrap
from pathlib import Path
from typing import Any

import pytest
from manifest_helpers import Loader

from mlgitops.manifests import ManifestSet, load_manifests


@pytest.fixture
def load_text(tmp_path: Path) -> Loader:
    """Write ``text`` (dedented) to tmp_path/m.yaml and load it."""

    def load(text: str, name: str = "m.yaml", **kwargs: Any) -> ManifestSet:
        path = tmp_path / name
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return load_manifests([path], **kwargs)

    return load
