"""opensearch package."""
