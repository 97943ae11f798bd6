"""Manifest documents: the kinds, their specs, and the envelope around them.

These pydantic models are the single source of the JSON Schemas in ``schemas/``. A Connector's spec
takes a blueprint body exactly as ML Commons' ``_create`` takes it, so an official blueprint can be
pasted; the only difference is that credential values are references (``{env: NAME}`` or
``{file: path}``), never secrets.
"""

import re
from collections.abc import Mapping
from enum import StrEnum
from typing import Annotated, Any, Literal, NamedTuple

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, GetJsonSchemaHandler, model_validator
from pydantic.json_schema import JsonSchemaValue

from mlgitops.model import settingsform
from mlgitops.model.dependents import AgentSpec, IngestPipelineSpec, SearchPipelineSpec
from mlgitops.model.mlsettings import SCOPES

API_VERSION = "mlgitops/v1"

NAME_PATTERN = r"^[A-Za-z0-9]([A-Za-z0-9._-]{0,126}[A-Za-z0-9])?$"

ACTION_TYPES = ("predict", "execute", "batch_predict", "cancel_batch_predict", "batch_predict_status")
PROTOCOLS = ("http", "aws_sigv4")
ACCESS_MODES = ("public", "private", "restricted")
RETRY_BACKOFF_POLICIES = ("constant", "exponential_equal_jitter", "exponential_full_jitter")


class Kind(StrEnum):
    """The resource kinds, in the order they are applied."""

    CLUSTER_SETTINGS = "ClusterSettings"
    MODEL_GROUP = "ModelGroup"
    CONNECTOR = "Connector"
    MODEL = "Model"
    INGEST_PIPELINE = "IngestPipeline"
    SEARCH_PIPELINE = "SearchPipeline"
    AGENT = "Agent"


KIND_ORDER: tuple[Kind, ...] = tuple(Kind)


class ResourceKey(NamedTuple):
    """Identity of a desired resource: its kind and logical name."""

    kind: Kind
    name: str

    def __str__(self) -> str:
        return f"{self.kind.value}/{self.name}"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class EnvRef(_Strict):
    """A credential read from an environment variable when the plan is applied."""

    env: str = Field(min_length=1, description="Name of the environment variable holding the value.")


class FileRef(_Strict):
    """A credential read from a file (relative to the manifest) when the plan is applied."""

    file: str = Field(min_length=1, description="Path of a file whose content (stripped) is the value.")


CredentialValue = Annotated[
    EnvRef | FileRef | str,
    Field(
        description=(
            "A reference {env: NAME} or {file: path}. A literal string is a validation error unless "
            "plaintext credentials are explicitly allowed (local tests only)."
        )
    ),
]


class Metadata(_Strict):
    """Identity and bookkeeping of a document."""

    name: str = Field(pattern=NAME_PATTERN, description="Logical name: the identity of the resource.")
    labels: dict[str, str] = Field(default_factory=dict)
    annotations: dict[str, str] = Field(default_factory=dict)
    protected: bool = Field(default=False, description="Never delete this resource, even with --prune.")


def any_case_pattern(words: tuple[str, ...]) -> str:
    """An ECMA/JSON-Schema regex matching exactly one of ``words`` in any case (``[pP][rR]...``)."""
    spelled = (
        "".join(f"[{c.lower()}{c.upper()}]" if c.isalpha() else re.escape(c) for c in w) for w in words
    )
    return f"^({'|'.join(spelled)})$"


ACTION_TYPE_PATTERN = any_case_pattern(ACTION_TYPES)
_ACTION_TYPE = re.compile(ACTION_TYPE_PATTERN)


def _check_action_type(value: str) -> str:
    """Any case of an action type, kept as written (a trailing newline is not one: unlike ``$``)."""
    if _ACTION_TYPE.fullmatch(value) is None:
        raise ValueError(f"'{value[:60]}' is not one of {', '.join(ACTION_TYPES)} (in any case)")
    return value


ActionType = Annotated[
    str,
    AfterValidator(_check_action_type),
    Field(
        description=(
            f"One of {', '.join(ACTION_TYPES)}, in any case: ML Commons upper-cases it "
            "(predict, PREDICT and Predict are the same action type)."
        ),
        examples=list(ACTION_TYPES),
        json_schema_extra={"pattern": ACTION_TYPE_PATTERN},
    ),
]


class ConnectorAction(_Strict):
    """One entry of a connector's ``actions``."""

    action_type: ActionType
    name: str | None = Field(default=None, description="Action name (ML Commons 3.5+).")
    method: str = Field(min_length=1, description="HTTP method; ML Commons 2.19 calls POST or GET.")
    url: str = Field(min_length=1, description="Endpoint; may use ${parameters.x} placeholders.")
    headers: dict[str, str] | None = None
    request_body: str | None = Field(default=None, description="JSON template with ${parameters.x}.")
    pre_process_function: str | None = None
    post_process_function: str | None = None
    supports_structured_output: bool | None = Field(default=None, description="ML Commons 3.7+.")


class ClientConfig(_Strict):
    """A connector's HTTP client settings; the server fills every omitted field with its default."""

    max_connection: int | None = Field(default=None, ge=1)
    connection_timeout: int | None = Field(default=None, ge=0, description="Seconds (2.14+).")
    read_timeout: int | None = Field(default=None, ge=0, description="Seconds (2.14+).")
    retry_backoff_millis: int | None = Field(default=None, ge=0)
    retry_timeout_seconds: int | None = Field(default=None, ge=0)
    max_retry_times: int | None = Field(default=None, ge=-1, description="-1 retries until the timeout.")
    retry_backoff_policy: str | None = Field(
        default=None, description="constant, exponential_equal_jitter or exponential_full_jitter."
    )
    skip_ssl_verification: bool | None = Field(default=None, description="ML Commons 3.5+.")


class AccessFields(_Strict):
    """Access-control fields shared by connectors and model groups."""

    backend_roles: list[str] | None = None
    add_all_backend_roles: bool | None = None
    access_mode: Literal["public", "private", "restricted"] | None = None


class ConnectorSpec(AccessFields):
    """A connector body as ML Commons' ``POST /_plugins/_ml/connectors/_create`` takes it."""

    name: str | None = Field(default=None, description="Defaults to metadata.name.")
    description: str | None = None
    version: str | int | float = Field(description="Stored by ML Commons as a string.")
    protocol: Literal["http", "aws_sigv4"]
    parameters: dict[str, Any] = Field(default_factory=dict)
    credential: dict[str, CredentialValue] = Field(min_length=1)
    actions: list[ConnectorAction] = Field(min_length=1)
    client_config: ClientConfig | None = None

    def __repr_args__(self) -> Any:
        """Like pydantic's, with literal credential values masked (references are shown)."""
        for name, value in super().__repr_args__():
            if name == "credential" and isinstance(value, dict):
                yield (
                    name,
                    {k: v if isinstance(v, EnvRef | FileRef) else "**********" for k, v in value.items()},
                )
            else:
                yield name, value


class InlineConnectorSpec(ConnectorSpec):
    """A connector embedded in a Model (``connector`` of the register body).

    ML Commons parses it with ``Connector.createConnector``, so unlike a standalone create neither
    name, version nor credential is required (aws_sigv4 still needs its keys).
    """

    version: str | int | float = "1"
    credential: dict[str, CredentialValue] = Field(default_factory=dict)


class ModelGroupSpec(AccessFields):
    """A model group as ``POST /_plugins/_ml/model_groups/_register`` takes it."""

    name: str | None = Field(default=None, description="Defaults to metadata.name; unique on the cluster.")
    description: str | None = None


class ClusterSettingsSpec(_Strict):
    """Dynamic ``plugins.ml_commons.*`` cluster settings, as ``PUT _cluster/settings`` takes them.

    Written either flat (``scope`` plus full keys) or as the body itself (``persistent:`` /
    ``transient:`` maps, nested or dotted keys); both become the same ``{scope: {full key: value}}``.
    """

    values: dict[str, dict[str, Any]] = Field(default_factory=dict)
    sources: dict[str, dict[str, tuple[str, ...]]] = Field(default_factory=dict, exclude=True)

    @model_validator(mode="before")
    @classmethod
    def _canonical(cls, data: Any) -> Any:
        if not isinstance(data, Mapping):
            return data
        scopes = settingsform.split_spec(data)
        return {
            "values": {scope: dict(flat) for scope, flat in scopes.items()},
            "sources": {scope: flat.sources for scope, flat in scopes.items()},
        }

    @classmethod
    def __get_pydantic_json_schema__(cls, core_schema: Any, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        """A stand-in: ``model.schemas`` puts ``settingsform.spec_schema()`` (the written forms) here."""
        del core_schema, handler
        return {"type": "object"}

    def scopes(self) -> dict[str, dict[str, Any]]:
        """``{scope: {full key: value}}`` for each scope that sets something."""
        return {scope: dict(values) for scope, values in self.values.items() if values}

    def get(self, key: str) -> Any:
        """The value written for ``key`` (transient over persistent), None when unset."""
        for scope in reversed(SCOPES):
            if key in self.values.get(scope, {}):
                return self.values[scope][key]
        return None

    def source(self, key: str) -> tuple[str, ...]:
        """Where ``key`` is written, relative to ``spec`` (transient over persistent)."""
        for scope in reversed(SCOPES):
            if key in self.sources.get(scope, {}):
                return self.sources[scope][key]
        return (key,)


class RateLimiter(_Strict):
    """Model-level rate limit (2.12+)."""

    limit: str | int | float
    unit: Literal["NANOSECONDS", "MICROSECONDS", "MILLISECONDS", "SECONDS", "MINUTES", "HOURS", "DAYS"]


class DeploySetting(_Strict):
    """Auto-deploy settings (2.13+)."""

    is_auto_deploy_enabled: bool | None = None
    model_ttl_minutes: int | None = None


class ModelInterface(_Strict):
    """JSON schemas of a model's input and output (2.14+); objects are stored as JSON strings."""

    input: str | dict[str, Any] | None = None
    output: str | dict[str, Any] | None = None


class ModelSpec(_Strict):
    """A remote model: registered from a connector into a group, and deployed when ``deployed``."""

    name: str | None = Field(default=None, description="Defaults to metadata.name.")
    function_name: Literal["remote", "REMOTE"]
    description: str | None = None
    model_group: str | None = Field(default=None, description="Logical name of a ModelGroup manifest.")
    connector: str | None = Field(default=None, description="Logical name of a Connector manifest.")
    inline_connector: InlineConnectorSpec | None = Field(
        default=None, description="A connector stored inside the model instead of a Connector reference."
    )
    interface: ModelInterface | None = None
    is_enabled: bool | None = None
    rate_limiter: RateLimiter | None = None
    deploy_setting: DeploySetting | None = None
    guardrails: dict[str, Any] | None = None
    model_config_: dict[str, Any] | None = Field(default=None, alias="model_config")
    deployed: bool = Field(default=True, description="Desired state: deployed (true) or registered only.")
    connector_change: Literal["auto", "blue_green", "in_place"] = Field(
        default="auto",
        description=(
            "How a change of this model's Connector is applied while the model is deployed. in_place: "
            "undeploy, update the connector, redeploy (the model keeps its id; calls fail meanwhile). "
            "blue_green: a new connector and model beside the old ones, deployed, pipelines and agents "
            "moved to them, then the old ones deleted (no gap; the model gets a new id). auto (default): "
            "blue_green when a pipeline or agent in the manifests uses the model, else in_place."
        ),
    )


KIND_BY_NAME = {kind.value: kind for kind in Kind}  # ``Kind(name)`` without the enum lookup


class _Document(_Strict):
    api_version: Literal["mlgitops/v1"] = Field(alias="apiVersion", description="Always mlgitops/v1.")
    metadata: Metadata = Field(description="name (the identity), labels, annotations, protected.")

    @property
    def key(self) -> ResourceKey:
        """The resource's identity."""
        return ResourceKey(KIND_BY_NAME[self.kind_name()], self.metadata.name)

    def kind_name(self) -> str:
        """The document's kind."""
        raise NotImplementedError


class ClusterSettingsDocument(_Document):
    """A ClusterSettings manifest."""

    kind: Literal["ClusterSettings"]
    spec: ClusterSettingsSpec = Field(description="plugins.ml_commons.* settings, keyed by their full name.")

    def kind_name(self) -> str:
        return self.kind


class ModelGroupDocument(_Document):
    """A ModelGroup manifest."""

    kind: Literal["ModelGroup"]
    spec: ModelGroupSpec = Field(description="The body of POST /_plugins/_ml/model_groups/_register.")

    def kind_name(self) -> str:
        return self.kind


class ConnectorDocument(_Document):
    """A Connector manifest."""

    kind: Literal["Connector"]
    spec: ConnectorSpec = Field(description="A connector blueprint body; credential values are references.")

    def kind_name(self) -> str:
        return self.kind


class ModelDocument(_Document):
    """A Model manifest."""

    kind: Literal["Model"]
    spec: ModelSpec = Field(description="A remote model, its group and connector by logical name, deployed.")

    def kind_name(self) -> str:
        return self.kind


class IngestPipelineDocument(_Document):
    """An IngestPipeline manifest; the pipeline id is metadata.name."""

    kind: Literal["IngestPipeline"]
    spec: IngestPipelineSpec = Field(description="The body of PUT _ingest/pipeline/{metadata.name}.")

    def kind_name(self) -> str:
        return self.kind


class SearchPipelineDocument(_Document):
    """A SearchPipeline manifest; the pipeline id is metadata.name."""

    kind: Literal["SearchPipeline"]
    spec: SearchPipelineSpec = Field(description="The body of PUT _search/pipeline/{metadata.name}.")

    def kind_name(self) -> str:
        return self.kind


class AgentDocument(_Document):
    """An Agent manifest (agents cannot be updated: a change registers a new one)."""

    kind: Literal["Agent"]
    spec: AgentSpec = Field(description="The body of POST /_plugins/_ml/agents/_register.")

    def kind_name(self) -> str:
        return self.kind


Document = Annotated[
    ClusterSettingsDocument
    | ModelGroupDocument
    | ConnectorDocument
    | ModelDocument
    | IngestPipelineDocument
    | SearchPipelineDocument
    | AgentDocument,
    Field(discriminator="kind"),
]

DOCUMENT_TYPES: dict[Kind, type[_Document]] = {
    Kind.CLUSTER_SETTINGS: ClusterSettingsDocument,
    Kind.MODEL_GROUP: ModelGroupDocument,
    Kind.CONNECTOR: ConnectorDocument,
    Kind.MODEL: ModelDocument,
    Kind.INGEST_PIPELINE: IngestPipelineDocument,
    Kind.SEARCH_PIPELINE: SearchPipelineDocument,
    Kind.AGENT: AgentDocument,
}
# Kinds whose bodies use models by id (``{model: NAME}`` references).
DEPENDENT_KINDS = frozenset({Kind.INGEST_PIPELINE, Kind.SEARCH_PIPELINE, Kind.AGENT})
