"""The embedded ML Commons-compatible engine: SQLite store, encrypted credentials, REST router."""

from mlgitops.engine.api import LocalEngine

__all__ = ["LocalEngine"]
