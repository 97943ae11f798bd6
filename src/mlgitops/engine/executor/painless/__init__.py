"""A Painless subset interpreter for connector pre/post-process scripts (what the official blueprints use)."""

from mlgitops.engine.executor.painless.interpreter import run_script

__all__ = ["run_script"]
