"""Differential test: the same ML Commons requests against the embedded engine and a real node."""
