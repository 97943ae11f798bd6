"""Predict through a connector: parameters, payload, pre/post-processing, signing and the HTTP call."""

from mlgitops.engine.executor.predict import run_predict

__all__ = ["run_predict"]
