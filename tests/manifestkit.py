"""Manifest text for tests: settings trusting loopback, a model group, an OpenAI embeddings connector and a
remote model, as YAML."""

OPENAI_EMBEDDINGS = "https://api.openai.com/v1/embeddings"
INPUT_AND_MODEL = '{ "input": ${parameters.input}, "model": "${parameters.model}" }'
OPENAI_PROCESSORS = """\
      pre_process_function: connector.pre_process.openai.embedding
      post_process_function: connector.post_process.openai.embedding
"""


def trusted_loopback(*more: str) -> str:
    """A ClusterSettings document letting connectors call 127.0.0.1 on any port (stand-ins and fakes).

    Each of ``more`` is one more ``key: value`` line of its spec.
    """
    return (
        "apiVersion: mlgitops/v1\nkind: ClusterSettings\nmetadata: {name: ml}\nspec:\n"
        "  plugins.ml_commons.trusted_connector_endpoints_regex: ['^http://127[.]0[.]0[.]1:[0-9]+/.*$']\n"
        "  plugins.ml_commons.connector.private_ip_enabled: true\n" + "".join(f"  {line}\n" for line in more)
    )


def model_group(name: str, description: str) -> str:
    """A ModelGroup document."""
    return (
        f"apiVersion: mlgitops/v1\nkind: ModelGroup\nmetadata: {{name: {name}}}\n"
        f"spec: {{description: {description}}}\n"
    )


def openai_connector(
    name: str,
    env: str,
    *,
    parameters: str = "model: text-embedding-3-small",
    url: str = OPENAI_EMBEDDINGS,
    request_body: str = INPUT_AND_MODEL,
    processors: str = "",
) -> str:
    """A Connector document for OpenAI embeddings whose key comes from the environment variable ``env``."""
    return (
        f"""\
apiVersion: mlgitops/v1
kind: Connector
metadata: {{name: {name}}}
spec:
  version: "1"
  protocol: http
  parameters: {{{parameters}}}
  credential: {{openAI_key: {{env: {env}}}}}
  actions:
    - action_type: predict
      method: POST
      url: {url}
      headers: {{Authorization: "Bearer ${{credential.openAI_key}}"}}
      request_body: '{request_body}'
"""
        + processors
    )


def remote_model(name: str, connector: str, group: str | None = None) -> str:
    """A deployed remote Model document (in ``group`` when given)."""
    in_group = f"model_group: {group}, " if group else ""
    return (
        f"apiVersion: mlgitops/v1\nkind: Model\nmetadata: {{name: {name}}}\n"
        f"spec: {{function_name: remote, {in_group}connector: {connector}, deployed: true}}\n"
    )


def documents(*texts: str) -> str:
    """One multi-document YAML stream."""
    return "---\n".join(texts)
