"""mlgitops: a declarative GitOps reconciler for OpenSearch ML Commons remote models."""

__version__ = "0.1.0"

__all__ = ["__version__"]
