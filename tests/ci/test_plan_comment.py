"""The sticky PR comment script (run with node against a fake GitHub API): one comment per env, updated."""

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / ".github" / "scripts" / "plan-comment.js"

DRIVER = """
const { upsertPlanComment, MAX_PLAN_CHARS } = require(process.argv[2]);
const steps = JSON.parse(require('fs').readFileSync(process.argv[3], 'utf8'));
const comments = [
  { id: 1, user: { type: 'User' }, body: '<!-- mlgitops-plan:dev --> a human quoting the marker' },
];
let nextId = 100;
const github = {
  paginate: async (fn, params) => (await fn(params)).data,
  rest: { issues: {
    listComments: async () => ({ data: comments.map((c) => ({ ...c })) }),
    createComment: async ({ body }) => {
      const comment = { id: nextId++, user: { type: 'Bot' }, body };
      comments.push(comment);
      return { data: comment };
    },
    updateComment: async ({ comment_id, body }) => {
      comments.find((c) => c.id === comment_id).body = body;
      return { data: {} };
    },
  } },
};
const context = {
  repo: { owner: 'o', repo: 'r' }, runId: 7, serverUrl: 'https://github.com',
  payload: { pull_request: { number: 5, head: { sha: '0123456789abcdef' } } },
};
(async () => {
  const results = [];
  for (const step of steps) {
    results.push(await upsertPlanComment({ github, context, ...step }));
  }
  console.log(JSON.stringify({ results, comments, max: MAX_PLAN_CHARS }));
})();
"""


def run_steps(tmp_path: Path, steps: list[dict[str, str]]) -> dict[str, Any]:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    driver = tmp_path / "driver.js"
    driver.write_text(DRIVER)
    steps_file = tmp_path / "steps.json"
    steps_file.write_text(json.dumps(steps))
    done = subprocess.run(
        [node, str(driver), str(SCRIPT), str(steps_file)],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def report(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def test_one_comment_per_environment_updated_in_place(tmp_path: Path) -> None:
    first = report(tmp_path, "dev1.md", "Plan: 1 to add")
    second = report(tmp_path, "dev2.md", "No changes.")
    prod = report(tmp_path, "prod.md", "Plan: 2 to change")
    state = run_steps(
        tmp_path,
        [
            {"env": "dev", "reportPath": first, "exitCode": "2"},
            {"env": "prod", "reportPath": prod, "exitCode": "2"},
            {"env": "dev", "reportPath": second, "exitCode": "0"},
        ],
    )
    assert [r["action"] for r in state["results"]] == ["created", "created", "updated"]
    assert state["results"][0]["id"] == state["results"][2]["id"]
    bots = [c for c in state["comments"] if c["user"]["type"] == "Bot"]
    assert len(bots) == 2
    dev = next(c["body"] for c in bots if c["id"] == state["results"][0]["id"])
    assert dev.startswith("<!-- mlgitops-plan:dev -->\n### mlgitops plan for `dev`: no changes\n")
    assert "No changes." in dev and "Plan: 1 to add" not in dev
    assert "Updated for 0123456 by [this run](https://github.com/o/r/actions/runs/7)" in dev
    assert state["comments"][0]["body"].endswith("a human quoting the marker")


def test_failed_plan_is_fenced_and_long_plans_truncated(tmp_path: Path) -> None:
    error = report(tmp_path, "err.txt", "error: cannot reach https://search:9200")
    long_plan = report(tmp_path, "long.md", "x" * 70_000)
    state = run_steps(
        tmp_path,
        [
            {"env": "staging", "reportPath": error, "exitCode": "1"},
            {"env": "prod", "reportPath": long_plan, "exitCode": "2"},
        ],
    )
    staging, prod = (c["body"] for c in state["comments"][1:])
    assert "failed (exit 1)" in staging
    assert "```\nerror: cannot reach https://search:9200\n```" in staging
    assert len(prod) < 65_536
    assert f"plan truncated at {state['max']} characters" in prod
