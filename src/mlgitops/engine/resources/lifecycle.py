"""Deploy, undeploy and predict: model states, deploy tasks and the call into the executor."""

import json
import logging
from collections.abc import Callable, Mapping
from typing import Any

from mlgitops.engine import executor
from mlgitops.engine.executor.pinning import RemotePools
from mlgitops.engine.resources import admission, interfaces, tasks
from mlgitops.engine.resources.connectors import ACTIVE_STATES
from mlgitops.engine.resources.context import EngineContext
from mlgitops.engine.resources.predict_inputs import inputs_of, resolve_connector
from mlgitops.engine.storage import ids
from mlgitops.engine.storage.readcache import ReadCache
from mlgitops.engine.storage.store import MODEL_INDEX
from mlgitops.errors import EngineError, MlGitOpsError

logger = logging.getLogger(__name__)

Predictor = Callable[..., dict[str, Any]]
DEPLOYED_STATES = frozenset({"DEPLOYED", "PARTIALLY_DEPLOYED", "LOADED", "PARTIALLY_LOADED"})


def not_found(_model_id: str) -> EngineError:
    """404 for deploy or predict on a missing model (2.19 does not name the id here)."""
    return EngineError("Failed to find model", 404, "status_exception")


class Lifecycle:
    """``_deploy``, ``_undeploy`` and ``_predict``."""

    def __init__(
        self, ctx: EngineContext, runner: tasks.TaskRunner, predictor: Predictor | None = None
    ) -> None:
        self._ctx = ctx
        self._runner = runner
        self._predictor = predictor
        self._limiter = admission.RateLimiter()
        self._remote = RemotePools()
        self._reads = ReadCache(ctx.store)

    def remote_pools(self) -> RemotePools:
        """The connection pools every predict shares, so keep-alive connections are reused."""
        return self._remote

    def forget_reads(self) -> None:
        """Drop what predicts read from the store (the next one reads it again)."""
        self._reads.clear()

    def close(self) -> None:
        """Close the connection pools (a later predict opens new ones)."""
        self._remote.close()

    def _start_deploy(self, model_id: str, body: Mapping[str, Any] | None) -> str:
        with self._ctx.store.write() as tx:
            row = tx.get(MODEL_INDEX, model_id)
            if row is None:
                raise not_found(model_id)
            self._ctx.require_remote_inference()
            if row.source.get("is_hidden") is True:
                raise EngineError(
                    "User doesn't have privilege to perform this operation on this model",
                    403,
                    "status_exception",
                )
            if body and body.get("node_ids") and not self._ctx.setting("allow_custom_deployment_plan"):
                raise EngineError("Don't allow custom deployment plan")
            task_id = tasks.new_task(tx, "DEPLOY_MODEL", model_id, "CREATED", is_async=True)
            tx.put(
                MODEL_INDEX,
                model_id,
                {
                    **row.source,
                    "model_state": "DEPLOYING",
                    "planning_worker_node_count": 1,
                    "planning_worker_nodes": [ids.NODE_ID],
                    "deploy_to_all_nodes": True,
                },
            )
        return task_id

    def deploy(self, model_id: str, body: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """Deploy as a task -> ``{"task_id", "task_type": "DEPLOY_MODEL", "status": "COMPLETED"}`` (2.11+)."""
        task_id = self._start_deploy(model_id, body)

        def job() -> None:
            self.finish_deploy(model_id, task_id)

        self._runner.submit(job)
        return {"task_id": task_id, "task_type": "DEPLOY_MODEL", "status": "COMPLETED"}

    def finish_deploy(self, model_id: str, task_id: str) -> str | None:
        """Run a deploy task to its end, in one write; returns the error message when it failed.

        ML Commons shows the task RUNNING while its nodes load the model; here loading is checking
        that the connector resolves, done within the write that records the outcome.
        """
        error: str | None = None
        with self._ctx.store.write() as tx:
            row = tx.get(MODEL_INDEX, model_id)
            try:
                if row is None:
                    raise not_found(model_id)
                resolve_connector(self._ctx, tx, model_id, row.source)
            except MlGitOpsError as exc:
                error = str(exc)
            if row is not None and row.source.get("model_state") == "DEPLOYING":
                tx.put(MODEL_INDEX, model_id, self._deployed(row.source, error))
            node_error = None if error is None else json.dumps({ids.NODE_ID: error})
            tasks.set_state(tx, task_id, "COMPLETED" if error is None else "FAILED", node_error)
        if error is not None:
            logger.warning("deploy of model %s failed: %s", model_id, error)
        return error

    @staticmethod
    def _deployed(source: Mapping[str, Any], error: str | None) -> dict[str, Any]:
        if error is not None:
            return {**source, "model_state": "DEPLOY_FAILED", "current_worker_node_count": 0}
        now = ids.now_ms()
        return {
            **source,
            "model_state": "DEPLOYED",
            "current_worker_node_count": 1,
            "last_deployed_time": now,
            "auto_redeploy_retry_times": 0,
        }

    def undeploy(self, model_ids: list[str]) -> dict[str, Any]:
        """Undeploy models (state UNDEPLOYED even when they were not deployed) -> node map."""
        if not model_ids:
            raise EngineError("Must set specific model ids to undeploy")
        if len(model_ids) > 1 and self._ctx.access_control("model"):
            raise EngineError("only support undeploy one model")
        stats: dict[str, str] = {}
        with self._ctx.store.write() as tx:
            for model_id in model_ids:
                row = tx.get(MODEL_INDEX, model_id)
                if row is None:
                    stats[model_id] = "not_found"
                    continue
                active = row.source.get("model_state") in ACTIVE_STATES
                stats[model_id] = "undeployed" if active else "not_found"
                source = {key: value for key, value in row.source.items() if key != "planning_worker_nodes"}
                tx.put(
                    MODEL_INDEX,
                    model_id,
                    {
                        **source,
                        "model_state": "UNDEPLOYED",
                        "planning_worker_node_count": 0,
                        "current_worker_node_count": 0,
                    },
                )
        return {ids.NODE_ID: {"stats": stats}}

    def _ensure_deployed(self, model_id: str, model: Mapping[str, Any]) -> None:
        if model.get("model_state") in DEPLOYED_STATES:
            return
        if not self._ctx.setting("model_auto_deploy.enable"):
            raise EngineError("Model not ready yet. Please deploy the model first.")
        if (model.get("deploy_setting") or {}).get("is_auto_deploy_enabled") is False:
            raise EngineError("Auto deployment disabled for this model, please deploy model first")
        error = self.finish_deploy(model_id, self._start_deploy(model_id, None))
        if error is not None:
            raise EngineError(error, 400, "status_exception")

    def predict(self, model_id: str, body: Mapping[str, Any] | None) -> dict[str, Any]:
        """Call the model's connector through the executor (auto-deploying when allowed).

        What it reads from the store (model, settings, connector, credentials) is kept while the
        database is unchanged; any write, by this or another process, makes the next predict re-read.
        """
        inputs = self._reads.get(("predict", model_id), lambda: inputs_of(self._ctx, model_id))
        model, settings = inputs.model, inputs.settings
        if model is None:
            raise not_found(model_id)
        self._ctx.require_remote_inference(settings)
        if not isinstance((body or {}).get("parameters") or {}, Mapping):
            raise EngineError("[parameters] must be an object", 400, "parse_exception")
        deployed = model.get("model_state") in DEPLOYED_STATES
        if deployed:
            # 2.19 reads these from the node's model cache, which a not yet deployed model lacks.
            if model.get("is_enabled") is False:
                raise EngineError("Model is disabled.", 403, "status_exception")
            interfaces.check_input(model, body or {})
        self._limiter.admit(model_id, model.get("rate_limiter"))
        self._ensure_deployed(model_id, model)
        connector, credentials, prepared = inputs.connector, inputs.credentials, inputs.prepared
        if connector is None or not deployed:
            with self._ctx.store.read() as tx:  # raises what made the cached read fail, or reads anew
                connector, credentials = resolve_connector(self._ctx, tx, model_id, model)
            prepared = None
        request = dict(body or {})
        if self._predictor is not None:
            output = self._predictor(
                connector, credentials, request, settings=settings, action_type="PREDICT"
            )
        elif prepared is not None:
            output = prepared.run(request, settings=settings, pools=self._remote)
        else:
            output = executor.run_predict(
                connector, credentials, request, settings=settings, pools=self._remote
            )
        interfaces.check_output(model, output)
        return output
