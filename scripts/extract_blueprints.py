"""Extract the connector bodies of ML Commons' blueprint documents into test data files.

Usage: python scripts/extract_blueprints.py GIT_DIR REF OUT_DIR

Reads docs/remote_inference_blueprints/**.md at REF of an ml-commons git directory, finds every
``POST /_plugins/_ml/connectors/_create`` request (and every ``models/_register`` request with an
inline ``connector``) and writes each JSON body that parses to OUT_DIR/<doc stem>--<n>.json, with an
index.json naming its source path, commit and line. Line comments (``// note``) are dropped, as a
user pasting the body would; bodies elided with ``...`` are not JSON and are counted as skipped.
"""

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

BLUEPRINTS = "docs/remote_inference_blueprints"
MARKERS = ("/_plugins/_ml/connectors/_create", "/_plugins/_ml/models/_register")


def git(git_dir: str, *args: str) -> str:
    command = ["git", f"--git-dir={git_dir}", *args]
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout  # noqa: S603


def _string_step(char: str, escaped: bool) -> tuple[bool, bool]:
    """(escaped, still in the string) after ``char`` inside a JSON string."""
    if escaped:
        return False, True
    return char == "\\", char != '"'


def json_object_at(text: str, start: int) -> str | None:
    """The balanced ``{...}`` starting at the first brace after ``start`` (strings respected)."""
    begin = text.find("{", start)
    if begin < 0:
        return None
    depth, in_string, escaped = 0, False, False
    for index in range(begin, len(text)):
        char = text[index]
        if in_string:
            escaped, in_string = _string_step(char, escaped)
            continue
        if char == '"':
            in_string = True
        elif char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                return text[begin : index + 1]
    return None


def strip_comments(raw: str) -> str:
    """Drop the ``// note`` (and one ``\\ note``) line comments some documents put after values."""
    out, in_string, escaped, index = [], False, False, 0
    while index < len(raw):
        char = raw[index]
        if in_string:
            escaped, in_string = _string_step(char, escaped)
        elif char == '"':
            in_string = True
        elif raw.startswith(("//", "\\\\"), index):
            index = raw.find("\n", index)
            index = len(raw) if index < 0 else index
            continue
        out.append(char)
        index += 1
    return "".join(out)


def bodies(text: str) -> list[tuple[int, str, Any]]:
    """(line, marker, parsed body or None) for each create/register request in a document."""
    found = []
    for marker in MARKERS:
        position = text.find(marker)
        while position >= 0:
            line = text.count("\n", 0, position) + 1
            raw = json_object_at(text, position)
            next_request = text.find("\nPOST ", position + 1)
            if raw is not None and (next_request < 0 or text.find(raw) < next_request):
                try:
                    found.append((line, marker, json.loads(strip_comments(raw))))
                except json.JSONDecodeError:
                    found.append((line, marker, None))
            position = text.find(marker, position + 1)
    return sorted(found, key=lambda item: item[0])


def main(git_dir: str, ref: str, out: str) -> int:
    commit = git(git_dir, "rev-parse", ref).strip()
    out_dir = Path(out)
    out_dir.mkdir(parents=True, exist_ok=True)
    index, skipped = [], []
    listed = git(git_dir, "ls-tree", "-r", "--name-only", ref, "--", BLUEPRINTS).split()
    paths = [path for path in listed if path.endswith(".md")]
    for path in sorted(paths):
        text = git(git_dir, "show", f"{ref}:{path}")
        count = 0
        for line, marker, body in bodies(text):
            if marker.endswith("_register"):
                body = body.get("connector") if isinstance(body, dict) else None
                if not isinstance(body, dict):
                    continue
            if body is None:
                skipped.append(f"{path}:{line}")
                continue
            count += 1
            name = f"{Path(path).stem}--{count}.json"
            text_out = json.dumps(body, indent=2, ensure_ascii=False) + "\n"
            (out_dir / name).write_text(text_out, encoding="utf-8")
            index.append({"file": name, "source": f"{path}:{line}", "request": marker.rsplit("/", 1)[-1]})
    meta = {
        "source": "https://github.com/opensearch-project/ml-commons (Apache-2.0), " + BLUEPRINTS,
        "ref": ref,
        "commit": commit,
        "bodies": index,
        "skipped_not_json": skipped,
    }
    (out_dir / "index.json").write_text(json.dumps(meta, indent=1) + "\n", encoding="utf-8")
    print(f"{len(index)} bodies written, {len(skipped)} skipped (not JSON)")
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))
