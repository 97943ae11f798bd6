"""Fixtures for executor tests: a real stand-in server on loopback and settings that trust it."""

from collections.abc import Iterator
from typing import Any

import pytest

from mlgitops.standin import StandinServer


@pytest.fixture
def standin() -> Iterator[StandinServer]:
    with StandinServer() as server:
        yield server


@pytest.fixture
def settings() -> dict[str, Any]:
    return {
        "plugins.ml_commons.trusted_connector_endpoints_regex": [r"^http://127\.0\.0\.1:\d+/.*$"],
        "plugins.ml_commons.connector.private_ip_enabled": True,
    }
