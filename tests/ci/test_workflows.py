"""The workflows and the composite action pass actionlint and the SchemaStore schemas; broken copies fail."""

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = ROOT / ".github" / "workflows"
ACTION = ROOT / ".github" / "actions" / "mlgitops" / "action.yml"
CHECK_JSONSCHEMA = Path(sys.executable).parent / "check-jsonschema"
ENVIRONMENTS = ["dev", "staging", "prod"]
SECRETS = [
    "OPENAI_API_KEY",
    "COHERE_API_KEY",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "MLGITOPS_OPENSEARCH_USER",
    "MLGITOPS_OPENSEARCH_PASSWORD",
]


def workflow_files(root: Path = ROOT) -> list[Path]:
    return sorted((root / ".github" / "workflows").glob("*.yml"))


def load(path: Path) -> dict[Any, Any]:
    data = yaml.safe_load(path.read_text())
    assert isinstance(data, dict)
    return data


def run(argv: list[str], cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ["PATH"]])}
    return subprocess.run(argv, cwd=cwd, capture_output=True, text=True, env=env, timeout=120)


PIN = re.compile(r"uses:\s*(?P<name>actions/[\w-]+)@(?P<sha>[0-9a-f]{40}) # (?P<tag>v\d+)\.\d+\.\d+$", re.M)


def with_release_tags(root: Path) -> None:
    """Rewrite commit pins (``@SHA # v6.1.0``) to their major tag, whose inputs actionlint knows."""
    for path in (root / ".github").rglob("*.yml"):
        path.write_text(PIN.sub(r"uses: \g<name>@\g<tag>", path.read_text()))


def actionlint_run(actionlint: Path, root: Path) -> subprocess.CompletedProcess[str]:
    files = [str(path.relative_to(root)) for path in workflow_files(root)]
    return run([str(actionlint), "-no-color", *files], cwd=root)


def schema_check(schema: str, *files: Path) -> subprocess.CompletedProcess[str]:
    return run([str(CHECK_JSONSCHEMA), "--builtin-schema", schema, *map(str, files)])


def test_the_expected_workflows_exist() -> None:
    names = {path.name for path in workflow_files()}
    assert {"mlgitops-pr.yml", "mlgitops-deploy.yml", "mlgitops-reconcile.yml"} <= names


def test_actionlint_passes(actionlint: Path, github_copy: Path) -> None:
    result = actionlint_run(actionlint, ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    # The same files with release tags instead of commit pins: the actions' inputs are checked too.
    with_release_tags(github_copy)
    result = actionlint_run(actionlint, github_copy)
    assert result.returncode == 0, result.stdout + result.stderr


def test_actionlint_fails_on_a_broken_workflow(actionlint: Path, github_copy: Path) -> None:
    deploy = github_copy / ".github" / "workflows" / "mlgitops-deploy.yml"
    deploy.write_text(deploy.read_text().replace("needs: staging", "needs: qa"))
    pr = github_copy / ".github" / "workflows" / "mlgitops-pr.yml"
    text = pr.read_text().replace("command: validate", "commnd: validate")
    pr.write_text(text.replace("persist-credentials: false", "persist-credential: false", 1))
    with_release_tags(github_copy)
    result = actionlint_run(actionlint, github_copy)
    assert result.returncode == 1
    assert '"qa"' in result.stdout
    assert 'input "commnd" is not defined in action "mlgitops"' in result.stdout
    assert 'input "persist-credential" is not defined in action "actions/checkout@v6"' in result.stdout


SNIPPET_ACTION = "<owner>/mlgitops/.github/actions/mlgitops@v0.1.0"


def documented_snippet(root: Path) -> Path:
    """The README snippet of docs/ci.md as a workflow of ``root``, using the action from this checkout."""
    text = (ROOT / "docs" / "ci.md").read_text()
    block = re.search(r"```yaml\n(# \.github/workflows/deploy\.yml\n.*?)```", text, re.S)
    assert block is not None, "docs/ci.md lost its composite-action snippet"
    assert SNIPPET_ACTION in block[1]
    path = root / ".github" / "workflows" / "snippet.yml"
    path.write_text(block[1].replace(SNIPPET_ACTION, "./.github/actions/mlgitops"))
    return path


def test_the_documented_snippet_passes_actionlint(actionlint: Path, github_copy: Path) -> None:
    snippet = documented_snippet(github_copy)
    result = run([str(actionlint), "-no-color", str(snippet.relative_to(github_copy))], cwd=github_copy)
    assert result.returncode == 0, result.stdout + result.stderr
    assert schema_check("vendor.github-workflows", snippet).returncode == 0


def test_workflows_match_the_schemastore_schema() -> None:
    result = schema_check("vendor.github-workflows", *workflow_files())
    assert result.returncode == 0, result.stdout + result.stderr


def test_action_matches_the_schemastore_schema() -> None:
    result = schema_check("vendor.github-actions", ACTION)
    assert result.returncode == 0, result.stdout + result.stderr


def test_schema_check_fails_on_broken_copies(tmp_path: Path) -> None:
    workflow = load(WORKFLOWS / "mlgitops-pr.yml")
    del workflow["jobs"]["validate"]["runs-on"]
    broken_workflow = tmp_path / "workflow.yml"
    broken_workflow.write_text(yaml.safe_dump(workflow))
    action = load(ACTION)
    action["runs"]["using"] = "compost"
    broken_action = tmp_path / "action.yml"
    broken_action.write_text(yaml.safe_dump(action))
    assert schema_check("vendor.github-workflows", broken_workflow).returncode == 1
    assert schema_check("vendor.github-actions", broken_action).returncode == 1


def test_action_script_passes_shellcheck(shellcheck: Path) -> None:
    result = run([str(shellcheck), str(ACTION.parent / "run.sh")])
    assert result.returncode == 0, result.stdout


USES = re.compile(r"^\s*(?:- )?uses:\s*(?P<ref>\S+)(?P<comment>.*)$", re.M)


@pytest.mark.parametrize("path", [*workflow_files(), ACTION], ids=lambda path: path.name)
def test_only_first_party_actions_pinned_to_a_commit(path: Path) -> None:
    """actions/* only, each pinned to a full commit with its release in a comment (Dependabot-style).

    Organisations may require commit pins for every action, including those inside a composite
    action used from their repositories; a tag can be moved, a commit cannot.
    """
    text = path.read_text()
    refs = [match for match in USES.finditer(text) if not match["ref"].startswith("./")]
    assert len(refs) == len(PIN.findall(text)), [match[0].strip() for match in refs]


def test_dependabot_updates_the_pins_of_workflows_and_the_action() -> None:
    config = ROOT / ".github" / "dependabot.yml"
    assert schema_check("vendor.dependabot", config).returncode == 0
    (update,) = load(config)["updates"]
    assert update["package-ecosystem"] == "github-actions"
    assert set(update["directories"]) == {"/", "/.github/actions/mlgitops"}


def test_checkouts_do_not_keep_the_token() -> None:
    for path in workflow_files():
        for job in load(path)["jobs"].values():
            for step in job.get("steps", []):
                if step.get("uses", "").startswith("actions/checkout@"):
                    assert step["with"]["persist-credentials"] is False, path.name


def test_pull_request_workflow() -> None:
    workflow = load(WORKFLOWS / "mlgitops-pr.yml")
    assert "pull_request" in workflow[True]  # YAML 1.1 reads the key `on` as True
    assert workflow["permissions"] == {"contents": "read"}
    assert "permissions" not in workflow["jobs"]["validate"]
    plan = workflow["jobs"]["plan"]
    assert plan["permissions"] == {"contents": "read", "pull-requests": "write"}
    assert plan["strategy"]["matrix"]["env"] == ENVIRONMENTS
    assert plan["needs"] == "validate"
    # After a failed validation too (the comment must not keep a stale plan), never for forks or
    # Dependabot (no secrets, read-only token).
    condition = " ".join(plan["if"].split())
    assert condition == (
        "${{ !cancelled() && github.event.pull_request.head.repo.full_name == github.repository "
        "&& github.actor != 'dependabot[bot]' }}"
    )
    steps = {step.get("id"): step for step in plan["steps"]}
    assert steps["plan"]["with"]["command"] == "reconcile"
    assert steps["plan"]["with"]["dry-run"] == "true"
    assert steps["plan"]["with"]["output"] == "markdown"
    assert "env" not in plan  # secrets only for the step that runs mlgitops, not checkout or scripts
    assert all(steps["plan"]["env"][name] == f"${{{{ secrets.{name} }}}}" for name in SECRETS)
    script = next(step for step in plan["steps"] if step.get("uses", "").startswith("actions/github-script"))
    assert "plan-comment.js" in script["with"]["script"]
    validate = workflow["jobs"]["validate"]["steps"][-1]
    assert validate["with"] == {"command": "validate", "output": "github"}


def test_deploy_workflow_runs_environments_in_order_without_overlap() -> None:
    deploy = load(WORKFLOWS / "mlgitops-deploy.yml")
    assert deploy[True]["push"]["branches"] == ["main"]
    assert "workflow_dispatch" in deploy[True]
    assert deploy["permissions"] == {"contents": "read"}
    jobs = deploy["jobs"]
    assert list(jobs) == ENVIRONMENTS
    assert [jobs[env].get("needs") for env in ENVIRONMENTS] == [None, "dev", "staging"]
    for env in ENVIRONMENTS:
        assert jobs[env]["uses"] == "./.github/workflows/mlgitops-reconcile.yml"
        assert jobs[env]["with"]["env"] == env
        assert jobs[env]["secrets"] == "inherit"
    job = load(WORKFLOWS / "mlgitops-reconcile.yml")["jobs"]["reconcile"]
    assert job["environment"] == "${{ inputs.env }}"
    assert job["concurrency"] == {"group": "mlgitops-deploy-${{ inputs.env }}", "cancel-in-progress": False}
    assert "env" not in job
    steps = {step.get("id"): step for step in job["steps"]}
    assert all(steps["reconcile"]["env"][name] == f"${{{{ secrets.{name} }}}}" for name in SECRETS)
    assert steps["reconcile"]["with"]["output"] == "json"
    assert any(step.get("uses", "").startswith("actions/upload-artifact@") for step in job["steps"])


def test_secrets_reach_commands_only_through_the_environment() -> None:
    for path in workflow_files():
        for job in load(path)["jobs"].values():
            for step in job.get("steps", []):
                assert "secrets." not in step.get("run", ""), (
                    f"{path.name}: secret interpolated into a script"
                )
                assert "secrets." not in str(step.get("with", {})), f"{path.name}: secret passed as an input"


@pytest.mark.parametrize("path", workflow_files(), ids=lambda path: path.name)
def test_every_job_has_a_timeout(path: Path) -> None:
    """A hung target must not hold a runner (and the deploy concurrency group) for the default 6 h."""
    for name, job in load(path)["jobs"].items():
        if "uses" not in job:  # a reusable workflow's jobs set their own
            assert isinstance(job.get("timeout-minutes"), int), f"{path.name}: job {name}"


def test_pre_commit_hook() -> None:
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    (hook,) = hooks
    assert hook["id"] == "mlgitops-validate"
    assert hook["entry"] == "mlgitops validate"
    assert hook["language"] == "python"
    assert hook["pass_filenames"] is False
    assert re.search(hook["files"], "manifests/models/chat.yml")
    assert re.search(hook["files"], "mlgitops.yaml")
    assert not re.search(hook["files"], "README.md")


@pytest.mark.parametrize("path", workflow_files(), ids=lambda path: path.name)
def test_scripts_run_with_pipefail(path: Path) -> None:
    workflow = load(path)
    scripts = [step for job in workflow["jobs"].values() for step in job.get("steps", []) if "run" in step]
    if scripts:
        assert workflow.get("defaults") == {"run": {"shell": "bash"}}, "bash runs with -eo pipefail"


def test_action_steps_use_bash_with_pipefail() -> None:
    steps = [step for step in load(ACTION)["runs"]["steps"] if "run" in step]
    assert steps and all(step["shell"] == "bash" for step in steps)
    assert "set -euo pipefail" in (ACTION.parent / "run.sh").read_text()
