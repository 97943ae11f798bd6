"""An ML Commons target for tests that must pass on the embedded engine and on a real node alike.

``target_url`` is parametrised: ``engine`` serves the embedded engine over HTTP (``mlgitops engine
serve`` in a subprocess, its bearer token in ``MLGITOPS_TOKEN`` for the CLI and ``target_client``);
``opensearch`` is the session's real OpenSearch 2.19 + ML Commons node (``opensearch_node``), reset
first. Tests using it must name their resources uniquely and clean up, since the node is shared.
"""

import os
import signal
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from serverkit import engine_token, start_engine, stop_signalled


def target_client(url: str) -> httpx.Client:
    """An httpx client on the target, sending the engine's bearer token when there is one."""
    token = os.environ.get("MLGITOPS_TOKEN")
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.Client(base_url=url, headers=headers, timeout=60)


@pytest.fixture(
    params=["engine", pytest.param("opensearch", marks=pytest.mark.opensearch)], name="target_url"
)
def target_url_fixture(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    """The base URL of an ML Commons target."""
    if request.param == "opensearch":
        node = request.getfixturevalue("opensearch_node")
        node.reset()
        yield str(node.url)
        return
    process, url = start_engine(tmp_path / "engine")
    monkeypatch.setenv("MLGITOPS_TOKEN", engine_token(tmp_path / "engine"))
    try:
        yield url
    finally:
        process.send_signal(signal.SIGTERM)
        stop_signalled(process, 30)
