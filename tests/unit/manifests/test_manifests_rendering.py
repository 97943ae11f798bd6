"""Issue rendering: text, JSON and GitHub annotations."""

import json

from mlgitops.manifests import Issue, render_github, render_json, render_text
from mlgitops.manifests.rendering import render_summary

ERROR = Issue("m.yaml", 3, 5, "bad: thing, 100%", json_path="spec.url")
WARNING = Issue("m.yaml", 4, 1, "maybe", "warning")


def test_text_lines() -> None:
    assert (
        render_text([ERROR, WARNING]) == "m.yaml:3:5: error: bad: thing, 100%\nm.yaml:4:1: warning: maybe\n"
    )
    assert render_text([Issue("dir", 0, 0, "no manifests")]) == "dir: error: no manifests\n"


def test_summary_pluralises() -> None:
    assert render_summary([ERROR, WARNING], 1) == "1 error, 1 warning in 1 document"
    assert render_summary([], 3) == "0 errors, 0 warnings in 3 documents"


def test_json_report() -> None:
    body = json.loads(render_json([ERROR, WARNING], 2))
    assert body["valid"] is False
    assert (body["errors"], body["warnings"], body["documents"]) == (1, 1, 2)
    assert body["issues"][0] == {
        "path": "m.yaml",
        "line": 3,
        "column": 5,
        "message": "bad: thing, 100%",
        "severity": "error",
        "json_path": "spec.url",
        "document": 0,
    }


def test_github_annotations_escape_and_keep_the_plain_list() -> None:
    lines = render_github([ERROR, WARNING]).splitlines()
    assert lines[0] == "::error file=m.yaml,line=3,col=5,title=mlgitops error%3A spec.url::bad: thing, 100%25"
    assert lines[1] == "::warning file=m.yaml,line=4,col=1,title=mlgitops warning::maybe"
    assert lines[2:] == render_text([ERROR, WARNING]).splitlines()


def test_github_annotations_stop_at_ten_per_level_and_say_how_many_more() -> None:
    errors = [Issue("m.yaml", n, 1, f"e{n}") for n in range(1, 14)]
    lines = render_github(errors).splitlines()
    annotations = [line for line in lines if line.startswith("::")]
    assert len(annotations) == 11
    assert len([a for a in annotations if a.startswith("::error ")]) == 10
    assert annotations[-1].startswith("::notice title=mlgitops::3 more errors not annotated")
    assert len([line for line in lines if not line.startswith("::")]) == 13
    one_more = render_github([Issue("m.yaml", n, 1, f"e{n}") for n in range(1, 12)])
    assert "::notice title=mlgitops::1 more error not annotated" in one_more
