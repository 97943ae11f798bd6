"""The project file ``mlgitops.yaml``: environments, each with variables and a default target.

    environments:
      dev:
        target: local:.mlgitops/dev
        vars: {openai_endpoint: api.openai.com, region: us-east-1}
      prod:
        target: https://search.example.com:9200
        vars: {region: eu-west-1}
    vars: {}            # defaults shared by every environment

Manifests use ``${vars.NAME}``; a scalar that is exactly ``${vars.NAME}`` takes the variable's type.
"""

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

PROJECT_FILE = "mlgitops.yaml"
DEFAULT_TARGET = "local:.mlgitops"


class Environment(BaseModel):
    """One deployment environment."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    target: str | None = Field(default=None, description="local:DIR or an OpenSearch URL.")
    vars: dict[str, Any] = Field(default_factory=dict)
    prune: bool = Field(default=False, description="Delete owned resources that left the manifests.")


class ProjectConfig(BaseModel):
    """The whole project file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    manifests: str = "manifests"
    vars: dict[str, Any] = Field(default_factory=dict)
    environments: dict[str, Environment] = Field(default_factory=dict)

    def variables(self, env: str | None) -> dict[str, Any]:
        """Shared vars overlaid with the environment's."""
        merged = dict(self.vars)
        if env is not None:
            merged.update(self.environments[env].vars)
        return merged
