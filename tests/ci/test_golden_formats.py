"""Golden files for the CI-facing formats: GitHub annotations (with the >10 overflow line), markdown plans.

Regenerate after an intended change with ``MLGITOPS_UPDATE_GOLDEN=1 pytest tests/ci`` and review the diff.
"""

from collections.abc import Callable
from pathlib import Path

import pytest

from mlgitops.cli.main import main
from mlgitops.model.resources import Kind, ResourceKey
from mlgitops.plan.actions import Action, Change, Plan, Verb
from mlgitops.plan.diffing import SENSITIVE, SENSITIVE_CHANGED
from mlgitops.plan.markdown import MAX_MARKDOWN, render_markdown

DATA = Path(__file__).resolve().parent / "data"


def test_validate_github_annotations(
    golden: Callable[[str, str], None], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(DATA / "annotations")
    assert main(["validate", "--output", "github", "manifests"]) == 1
    captured = capsys.readouterr()
    golden("validate-github.txt", captured.out)
    annotations = [line for line in captured.out.splitlines() if line.startswith("::error file=")]
    assert len(annotations) == 10
    assert "::notice title=mlgitops::2 more errors not annotated" in captured.out
    assert "::error title=mlgitops" not in captured.out
    assert captured.err.strip() == "12 errors, 1 warning in 14 documents"


INLINE_CONNECTOR = {
    "protocol": "http",
    "actions": [
        {
            "action_type": "predict",
            "url": "https://api.openai.com/v1/embeddings",
            "headers": {"Authorization": "Bearer ${credential.openAI_key}"},
            "post_process_function": "\n  def v = params.data[0].embedding;\n  return v;\n",
        }
    ],
}


def sample_plan() -> Plan:
    """A hand-built plan covering every verb, a masked credential change, a disruptive step, warnings."""
    group = ResourceKey(Kind.MODEL_GROUP, "remote-models")
    chat = ResourceKey(Kind.CONNECTOR, "openai-chat")
    model = ResourceKey(Kind.MODEL, "openai-chat")
    old = ResourceKey(Kind.MODEL, "legacy")
    actions = (
        Action(0, Verb.CREATE, group, "not on the target", (Change("name", None, "remote-models"),)),
        Action(1, Verb.UNDEPLOY, model, "its connector changes", disruptive=True),
        Action(
            2,
            Verb.UPDATE,
            chat,
            "changed in the manifests",
            (
                Change("parameters.model", "gpt-4o", "gpt-4o-mini"),
                Change("credential.openAI_key", SENSITIVE, SENSITIVE_CHANGED, sensitive=True),
                Change("actions[0].request_body", None, '{"model": "```"}'),
            ),
            disruptive=True,
        ),
        Action(3, Verb.DEPLOY, model, "redeploy after its connector changed", disruptive=True),
        Action(
            4,
            Verb.REPLACE,
            ResourceKey(Kind.MODEL, "embedding"),
            "function_name cannot be updated",
            (Change("function_name", "remote", "REMOTE"),),
            body={"name": "embedding", "function_name": "REMOTE", "connector": INLINE_CONNECTOR},
        ),
        Action(5, Verb.UNDEPLOY, old, "deleted models are undeployed first"),
        Action(
            6, Verb.DELETE, old, "no longer in the manifests (--prune)", (Change("name", "legacy", None),)
        ),
    )
    warnings = ("credential changes not shown: OPENAI_API_KEY is not set",)
    return Plan(actions, fingerprint="sha256:0", target="https://search.example.com:9200", warnings=warnings)


@pytest.mark.parametrize(
    ("name", "plan", "limit"),
    [
        ("plan-markdown.md", sample_plan(), MAX_MARKDOWN),
        ("plan-markdown-truncated.md", sample_plan(), 1200),
        ("plan-markdown-empty.md", Plan((), target="local:.mlgitops/dev"), MAX_MARKDOWN),
    ],
)
def test_markdown_plan(golden: Callable[[str, str], None], name: str, plan: Plan, limit: int) -> None:
    text = render_markdown(plan, limit=limit)
    golden(name, text)
    assert len(text) <= limit


def test_markdown_plan_is_capped_for_github_comments() -> None:
    many = tuple(
        Action(
            n, Verb.UPDATE, ResourceKey(Kind.CONNECTOR, f"c{n}"), "x" * 200, (Change("p", "a" * 150, "b"),)
        )
        for n in range(2000)
    )
    text = render_markdown(Plan(many))
    assert len(text) <= MAX_MARKDOWN < 65_535
    assert "… truncated:" in text
