"""Fixtures for engine tests: a real engine in tmp_path, an httpx client over EngineTransport."""

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import httpx
import pytest

from mlgitops.engine import LocalEngine
from mlgitops.engine.http.transport import EngineTransport


class StubPredictor:
    """A local stand-in for the executor: records calls and echoes what it was given (minus secrets)."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    def __call__(
        self,
        connector: Mapping[str, Any],
        credentials: Mapping[str, str],
        request: Mapping[str, Any],
        *,
        settings: Mapping[str, Any],
        action_type: str = "PREDICT",
        client: Any = None,
    ) -> dict[str, Any]:
        self.calls.append(
            {
                "connector": dict(connector),
                "credentials": dict(credentials),
                "request": dict(request),
                "settings": dict(settings),
                "action_type": action_type,
            }
        )
        return {
            "inference_results": [
                {"output": [{"name": "response", "dataAsMap": {"echo": request}}], "status_code": 200}
            ]
        }


@pytest.fixture
def predictor() -> StubPredictor:
    return StubPredictor()


@pytest.fixture
def engine_dir(tmp_path: Path) -> Path:
    return tmp_path / "engine"


@pytest.fixture
def engine(
    engine_dir: Path, predictor: StubPredictor, monkeypatch: pytest.MonkeyPatch
) -> Iterator[LocalEngine]:
    monkeypatch.delenv("MLGITOPS_MASTER_KEY", raising=False)
    with LocalEngine(engine_dir, predictor=predictor) as local:
        yield local


@pytest.fixture
def client(engine: LocalEngine) -> Iterator[httpx.Client]:
    with httpx.Client(transport=EngineTransport(engine), base_url="http://local-engine") as http:
        yield http
