"""An ML Commons target for tests that must pass on the embedded engine and on a real node alike.

``target_url`` is parametrised: ``engine`` serves the embedded engine over HTTP (``mlgitops engine
serve`` in a subprocess); ``opensearch`` is the real OpenSearch 2.19 + ML Commons node whose base URL
is in ``MLGITOPS_TEST_OPENSEARCH_URL`` (skipped when unset). Tests using it must name their resources
uniquely and clean up, since a real node may be shared.
"""

import os
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from serverkit import start_engine, stop_signalled

OPENSEARCH_URL_ENV = "MLGITOPS_TEST_OPENSEARCH_URL"


@pytest.fixture(params=["engine", "opensearch"], name="target_url")
def target_url_fixture(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The base URL of an ML Commons target."""
    if request.param == "opensearch":
        url = os.environ.get(OPENSEARCH_URL_ENV)
        if not url:
            pytest.skip(f"set {OPENSEARCH_URL_ENV} to run against a real OpenSearch node")
        yield url
        return
    process, url = start_engine(tmp_path / "engine")
    try:
        yield url
    finally:
        process.send_signal(signal.SIGTERM)
        stop_signalled(process, 30)
