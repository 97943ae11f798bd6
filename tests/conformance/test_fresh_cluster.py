"""A brand-new real cluster (master key, ML indices and .mlgitops not created yet) converges in one run."""

# mypy: allow-untyped-defs, allow-untyped-calls

import pytest

from conformance.conftest import Cli, Target
from opensearchkit import started_node

pytestmark = pytest.mark.opensearch


def test_the_example_project_converges_on_a_fresh_cluster_in_one_run(project, capsys, fake_secrets):
    with started_node(secure=False) as node:
        cli = Cli(capsys, Target("fresh", node.url), fake_secrets)
        out = cli.ok("reconcile")
        assert "Apply: 19 done, 0 failed, 0 skipped." in out
        cli.converged()
        assert "inference_results" in cli.ok("predict", "openai-embedding", "--text-docs", "fresh")
