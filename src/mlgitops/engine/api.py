"""LocalEngine: the embedded ML Commons, one SQLite store plus encrypted credentials in a directory."""

import logging
from pathlib import Path
from typing import Any

from mlgitops.engine.resources import integrity, tasks
from mlgitops.engine.resources.agents import Agents
from mlgitops.engine.resources.bulk import Bulk
from mlgitops.engine.resources.connectors import Connectors
from mlgitops.engine.resources.context import EngineContext
from mlgitops.engine.resources.documents import Documents
from mlgitops.engine.resources.groups import ModelGroups
from mlgitops.engine.resources.lifecycle import Lifecycle, Predictor
from mlgitops.engine.resources.models import Models
from mlgitops.engine.resources.pipelines import Pipelines
from mlgitops.engine.resources.settings import ClusterSettings
from mlgitops.engine.resources.simulate import Simulator
from mlgitops.engine.storage import private, sealing
from mlgitops.engine.storage.searching import MAX_RESULT_WINDOW
from mlgitops.engine.storage.store import CONNECTOR_INDEX, GROUP_INDEX, MODEL_INDEX, TASK_INDEX, Store
from mlgitops.engine.storage.vault import Vault
from mlgitops.errors import ConfigError

logger = logging.getLogger(__name__)

DB_FILE = "engine.db"
VERSION = "2.19.0"


class LocalEngine:
    """An ML Commons 2.19-compatible engine stored in ``directory`` (``engine.db`` + ``master.key``).

    ``background_tasks`` runs deploys on a worker thread (pollable, like the plugin); by default they
    run inline so in-process callers are deterministic. ``security_enabled`` emulates a cluster with
    the Security plugin (access-control fields accepted when the ML access-control settings are on).
    ``predictor`` replaces ``mlgitops.engine.executor.run_predict`` (tests).
    """

    def __init__(
        self,
        directory: Path,
        *,
        security_enabled: bool = False,
        background_tasks: bool = False,
        predictor: Predictor | None = None,
        db_path: Path | None = None,
        max_result_window: int = MAX_RESULT_WINDOW,
    ) -> None:
        self.directory = Path(directory)
        try:
            private.make_private_dir(self.directory)
        except OSError as exc:
            raise ConfigError(f"cannot use engine directory {directory}: {exc.strerror or exc}") from None
        self.store = Store(db_path or self.directory / DB_FILE)
        try:
            self.vault = Vault(self.directory, self.store)
            sealing.install(self.store, self.vault)
        except BaseException:
            self.store.close()
            raise
        self.settings = ClusterSettings(self.store)
        self.ctx = EngineContext(self.store, self.vault, self.settings, security_enabled, max_result_window)
        self.runner = tasks.TaskRunner(background=background_tasks)
        self.model_groups = ModelGroups(self.ctx)
        self.connectors = Connectors(self.ctx)
        self.models = Models(self.ctx)
        self.lifecycle = Lifecycle(self.ctx, self.runner, predictor)
        self.tasks = tasks.Tasks(self.store)
        self.ingest_pipelines = Pipelines(self.ctx, "ingest")
        self.search_pipelines = Pipelines(self.ctx, "search")
        self.agents = Agents(self.ctx, self.lifecycle)
        self.simulator = Simulator(self.ingest_pipelines, self.lifecycle.predict)
        self.models.users = (self.agents, self.ingest_pipelines, self.search_pipelines)
        self.documents = Documents(self.store, max_result_window=max_result_window)
        self.bulk = Bulk(self.store, self.documents)
        tasks.recover(self.store)

    def __repr__(self) -> str:
        return f"LocalEngine({str(self.directory)!r})"

    def __enter__(self) -> "LocalEngine":
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def cluster_info(self) -> dict[str, Any]:
        """``GET /``."""
        return {
            "name": "mlgitops-local",
            "cluster_name": "mlgitops-local-engine",
            "cluster_uuid": self.vault.fingerprint,
            "version": {
                "distribution": "opensearch",
                "number": VERSION,
                "build_type": "embedded",
                "lucene_version": "9.12.1",
                "minimum_wire_compatibility_version": "7.10.0",
                "minimum_index_compatibility_version": "7.0.0",
            },
            "tagline": "The OpenSearch Project: https://opensearch.org/",
        }

    def wait_for_tasks(self) -> None:
        """Block until every queued background task has finished."""
        self.runner.drain()

    def recover_tasks(self) -> int:
        """Fail tasks left unfinished by processes that stopped (done on open; long-lived users repeat it)."""
        return tasks.recover(self.store)

    def rotate_key(self) -> str:
        """Re-encrypt every credential under a new master key; returns its fingerprint."""
        return self.vault.rotate()

    def unreadable_values(self) -> list[integrity.UnreadableValue]:
        """Stored credential values that no longer decrypt (``mlgitops engine check``)."""
        return integrity.find_unreadable(self.store, self.vault)

    def info(self) -> dict[str, Any]:
        """Counts and the key fingerprint (never secrets)."""
        with self.store.read() as tx:
            counts = {
                name: tx.count(index)
                for name, index in (
                    ("model_groups", GROUP_INDEX),
                    ("connectors", CONNECTOR_INDEX),
                    ("models", MODEL_INDEX),
                    ("tasks", TASK_INDEX),
                )
            }
            indices = tx.index_names()
            owners = [owner for owner, _, _ in tx.ciphertexts()]
        sealed = sum(1 for owner in owners if sealing.describe_owner(owner) is not None)
        return {
            "directory": str(self.directory),
            "database": str(self.store.path),
            **counts,
            "credentials": len(owners) - sealed,
            "sealed_document_fields": sealed,
            "document_indices": indices,
            "master_key_fingerprint": self.vault.fingerprint,
        }

    def close(self) -> None:
        """Finish background tasks, close the predict connection pool and the database."""
        self.runner.close()
        self.lifecycle.close()
        self.store.close()
