"""The secured real cluster: basic auth, TLS through MLGITOPS_CA_BUNDLE, connector access control by role."""

# mypy: allow-untyped-defs, allow-untyped-calls

import pytest

from conformance.conftest import Cli, Target
from manifestkit import trusted_loopback

pytestmark = pytest.mark.opensearch

SETTINGS = trusted_loopback("scope: persistent", "plugins.ml_commons.connector_access_control_enabled: true")
TEAM = """\
apiVersion: mlgitops/v1
kind: ModelGroup
metadata: {name: NAME-models}
spec: {description: NAME}
---
apiVersion: mlgitops/v1
kind: Connector
metadata: {name: NAME-embed}
spec:
  version: "1"
  protocol: http
  parameters: {model: text-embedding-3-small}
  credential: {openAI_key: {env: OPENAI_API_KEY}}
ACCESS
  actions:
    - action_type: predict
      method: POST
      url: STANDIN/v1/embeddings
      headers: {Authorization: "Bearer ${credential.openAI_key}"}
      request_body: '{ "input": ${parameters.input}, "model": "${parameters.model}" }'
      pre_process_function: connector.pre_process.openai.embedding
      post_process_function: connector.post_process.openai.embedding
---
apiVersion: mlgitops/v1
kind: Model
metadata: {name: NAME-embed}
spec: {function_name: remote, model_group: NAME-models, connector: NAME-embed, deployed: true}
"""


@pytest.fixture
def node(secure_opensearch_node):
    secure_opensearch_node.reset()
    return secure_opensearch_node


@pytest.fixture
def as_user(node, capsys, monkeypatch, fake_secrets):
    """``as_user(name)``: the CLI as that user (None: no credentials), trusting the node's CA."""
    for variable in ("MLGITOPS_OPENSEARCH_USER", "MLGITOPS_OPENSEARCH_PASSWORD", "MLGITOPS_CA_BUNDLE"):
        monkeypatch.delenv(variable, raising=False)

    def use(user, *, trust=True, environment="demo"):
        env = node.env(user)
        if not trust:
            env.pop("MLGITOPS_CA_BUNDLE", None)
        for variable in ("MLGITOPS_OPENSEARCH_USER", "MLGITOPS_OPENSEARCH_PASSWORD", "MLGITOPS_CA_BUNDLE"):
            if variable in env:
                monkeypatch.setenv(variable, env[variable])
            else:
                monkeypatch.delenv(variable, raising=False)
        return Cli(capsys, Target("secure", node.url, env, node), fake_secrets, environment)

    return use


@pytest.fixture
def team_project(tmp_path, monkeypatch, standin):
    """settings.yaml (the admin's) and one file per team: ``team_project(name, access_lines)``."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "settings.yaml").write_text(SETTINGS)

    def write(name, access):
        text = TEAM.replace("NAME", name).replace("STANDIN", standin.url).replace("ACCESS", access)
        (tmp_path / f"{name}.yaml").write_text(text)
        return ["settings.yaml", f"{name}.yaml"]

    return write


def one_line_error(err):
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "Traceback" not in err, err
    return lines[0]


def test_the_admin_reconciles_the_example_project_over_tls(as_user, project):
    admin = as_user("admin")
    assert "Apply: 19 done, 0 failed" in admin.ok("reconcile")
    admin.converged()


def test_without_the_ca_bundle_tls_verification_fails_with_a_hint(as_user, project):
    code, _, err = as_user("admin", trust=False)("plan")
    assert code == 1
    line = one_line_error(err)
    assert "TLS" in line and "MLGITOPS_CA_BUNDLE" in line


@pytest.mark.parametrize("user", [None, "wrong-password"])
def test_missing_or_wrong_credentials_are_a_one_line_auth_error(as_user, project, monkeypatch, user):
    cli = as_user(None)
    if user:
        monkeypatch.setenv("MLGITOPS_OPENSEARCH_USER", "admin")
        monkeypatch.setenv("MLGITOPS_OPENSEARCH_PASSWORD", "not-the-password-1")
    code, out, err = cli("plan")
    assert code == 1
    assert "HTTP 401" in one_line_error(err)
    assert "not-the-password-1" not in out + err


def test_a_team_connector_gets_its_creators_roles_and_other_teams_are_kept_out(as_user, team_project):
    paths = team_project("team-a", "  add_all_backend_roles: true")
    as_user("admin", environment=None).ok("reconcile", "settings.yaml")
    alice = as_user("alice", environment=None)
    alice.ok("reconcile", *paths)
    code, out, err = alice("plan", "--detailed-exitcode", *paths)
    assert code == 0, out + err
    node = alice.target.node
    with node.client("admin") as client:
        (connector,) = client.search_connectors({"term": {"name.keyword": "team-a-embed"}})
    assert connector["_source"]["backend_roles"] == ["team-a"]
    assert connector["_source"]["access"] == "restricted"
    code, _, err = as_user("bob", environment=None)("plan", *paths)
    assert code == 1
    assert "You don't have permission to access this connector" in one_line_error(err)
    assert "inference_results" in alice.ok("predict", "team-a-embed", "--text-docs", "hello")


def test_claiming_roles_one_lacks_is_refused_and_leaves_no_interrupted_run(as_user, team_project):
    paths = team_project("team-b", "  access_mode: restricted\n  backend_roles: [team-a]")
    as_user("admin", environment=None).ok("reconcile", "settings.yaml")
    bob = as_user("bob", environment=None)
    code, out, err = bob("reconcile", *paths)
    assert code == 1
    assert "You don't have the backend roles specified" in out + err
    code, out, err = bob("plan", *paths)
    assert code == 0 and "interrupted" not in out + err
