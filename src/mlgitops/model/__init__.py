"""Pydantic models of the manifests and pure helpers shared by every layer."""
