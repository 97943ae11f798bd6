"""``mlgitops validate`` on hostile input: each gives located one-line errors, exit 1, no traceback."""

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from mlgitops.cli.main import main

GROUP = "apiVersion: mlgitops/v1\nkind: ModelGroup\nmetadata: {{name: {name}}}\nspec: {{}}\n"
CONNECTOR = """\
apiVersion: mlgitops/v1
kind: Connector
metadata: {name: c1}
spec:
  version: 1
  protocol: http
  credential: {key: {env: K}}
  actions:
    - action_type: predict
      method: POST
      url: https://api.openai.com/v1/chat/completions
      headers: {Authorization: "Bearer ${credential.key}"}
"""


@pytest.fixture(autouse=True)
def _isolated_cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


def validate(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, list[str]]:
    """Exit code and stdout lines; stderr holds only the summary, never a traceback."""
    code = main(["validate", *argv])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.out + captured.err
    assert "internal error" not in captured.err
    return code, captured.out.splitlines()


def write(path: Path, text: str, newline: str = "\n") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.replace("\n", newline).encode("utf-8"))
    return path


def test_tab_indentation(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path / "t.yaml", "apiVersion: mlgitops/v1\nkind: ModelGroup\nmetadata:\n\tname: g\n")
    assert validate(capsys, str(path)) == (
        1,
        [
            f"{path}:4:1: error: invalid YAML: found character '\\t' that cannot start any token "
            "(while scanning for the next token); indent with spaces: YAML does not allow tabs there"
        ],
    )


def test_anchor_from_another_document(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = GROUP.format(name="a").replace("metadata: {name: a}", "metadata: &m {name: a}")
    path = write(tmp_path / "a.yaml", text + "---\n" + GROUP.format(name="b").replace("{name: b}", "*m"))
    code, out = validate(capsys, str(path))
    assert code == 1
    assert out == [
        f"{path}:8:11: error: invalid YAML: found undefined alias 'm'; an anchor (&name) must come "
        "earlier in the same document (not across ---)"
    ]


def test_anchor_and_merge_key_inside_one_document(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    action = "    - &a\n      action_type: predict\n"
    text = CONNECTOR.replace("    - action_type: predict\n", action)
    text += "    - <<: *a\n      action_type: execute\n      url: 5\n"
    path = write(tmp_path / "c.yaml", text)
    assert validate(capsys, str(path)) == (
        1,
        [f"{path}:16:7: error: spec.actions[1].url: expected string, got integer"],
    )


def test_deep_nesting_is_refused_not_a_crash(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    deep = write(tmp_path / "deep.yaml", "a: " + "[" * 5000 + "]" * 5000 + "\n")
    code, out = validate(capsys, str(deep))
    assert code == 1
    assert len(out) == 1
    assert out[0].startswith(f"{deep}:1:")
    assert out[0].endswith("error: document too complex: nested too deeply to parse (more than 64 levels)")
    nested = write(tmp_path / "nested.yaml", "a: " + "[" * 70 + "]" * 70 + "\n")
    assert validate(capsys, str(nested)) == (
        1,
        [f"{nested}:1:68: error: document too complex: nested more than 64 levels deep"],
    )


def test_symlink_loop_in_a_directory(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    tree = tmp_path / "tree"
    write(tree / "g.yaml", GROUP.format(name="g"))
    (tree / "up").symlink_to("..")
    (tree / "self").symlink_to(".")
    assert validate(capsys, str(tree)) == (
        0,
        [
            f"{tree / 'self'}: warning: symbolic link to a directory not followed: {tree / 'self'} "
            "(pass it as a PATH)",
            f"{tree / 'up'}: warning: symbolic link to a directory not followed: {tree / 'up'} "
            "(pass it as a PATH)",
        ],
    )


def test_symlinked_file_is_read_once(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = write(tmp_path / "tree" / "g.yaml", GROUP.format(name="g"))
    (tmp_path / "tree" / "link.yaml").symlink_to(target)
    assert validate(capsys, str(tmp_path / "tree"), str(target)) == (0, [])


@pytest.mark.parametrize("explicit", [False, True])
def test_broken_symlink_and_symlink_loop(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], explicit: bool
) -> None:
    tree = tmp_path / "tree"
    write(tree / "g.yaml", GROUP.format(name="g"))
    (tree / "a.yaml").symlink_to("b.yaml")
    (tree / "b.yaml").symlink_to("a.yaml")
    argv = [str(tree / "a.yaml")] if explicit else [str(tree)]
    code, out = validate(capsys, *argv)
    assert code == 1
    names = ["a.yaml"] if explicit else ["a.yaml", "b.yaml"]
    reason = "(its target is missing or the links loop)"
    assert out == [f"{tree / n}: error: broken symbolic link: {tree / n} {reason}" for n in names]


def test_directory_named_like_a_manifest(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path / "tree" / "x.yaml" / "inner.yaml", GROUP.format(name="inner"))
    write(tmp_path / "tree" / "empty.yaml" / "notes.txt", "")
    assert validate(capsys, str(tmp_path / "tree")) == (0, [])
    empty = tmp_path / "tree" / "empty.yaml"
    assert validate(capsys, str(empty)) == (
        1,
        [f"{empty}: error: no manifests found in {empty} (looked for *.yaml, *.yml)"],
    )


def test_fifo_is_not_read(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fifo = tmp_path / "tree" / "pipe.yaml"
    fifo.parent.mkdir()
    os.mkfifo(fifo)
    assert validate(capsys, str(fifo.parent)) == (
        1,
        [f"{fifo}: error: not a regular file or directory: {fifo}"],
    )


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_unreadable_file_real_permissions(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path / "g.yaml", GROUP.format(name="g"))
    path.chmod(0)
    assert validate(capsys, str(path)) == (1, [f"{path}: error: cannot read: Permission denied"])


def test_unreadable_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path / "g.yaml", GROUP.format(name="g"))
    path.chmod(0)
    real = Path.read_bytes

    def read_bytes(self: Path) -> bytes:
        if self == path:  # what a non-root user gets for mode 000 (the tests may run as root)
            raise PermissionError(13, "Permission denied", str(self))
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    assert validate(capsys, str(path)) == (1, [f"{path}: error: cannot read: Permission denied"])


def test_unreadable_subdirectory_is_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path / "tree" / "g.yaml", GROUP.format(name="g"))
    locked = tmp_path / "tree" / "locked"
    locked.mkdir(mode=0)
    real = os.scandir

    def scandir(path: str) -> Iterator[os.DirEntry[str]]:
        if Path(path) == locked:  # what a non-root user gets for mode 000
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(os, "scandir", scandir)
    assert validate(capsys, str(tmp_path / "tree")) == (
        1,
        [f"{locked}: error: cannot read directory: Permission denied"],
    )


def test_unicode_file_name_and_content(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path / "ünïcødé 名前.yaml", GROUP.format(name="g") + "---\n" + GROUP.format(name="名前"))
    code, out = validate(capsys, str(path))
    assert code == 1
    assert out == [
        f"{path}:8:12: error: metadata.name '名前' is not a valid name: use 1-128 letters, digits, '.', '_' "
        "or '-', starting and ending with a letter or digit"
    ]


def test_windows_line_endings(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path / "w.yaml", GROUP.format(name="g").replace("{}", "\n  bogus: 1"), newline="\r\n")
    code, out = validate(capsys, str(path))
    assert code == 1
    assert out[0].startswith(f"{path}:5:3: error: unknown field 'bogus' in spec (allowed: ")
    assert validate(capsys, str(write(tmp_path / "ok.yaml", CONNECTOR, newline="\r\n"))) == (0, [])


def test_document_that_is_a_list(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path / "l.yaml", "- apiVersion: mlgitops/v1\n- kind: ModelGroup\n")
    assert validate(capsys, str(path)) == (
        1,
        [
            f"{path}:1:1: error: a manifest document must be a mapping with apiVersion, kind, metadata "
            "and spec, got a list"
        ],
    )


def test_kind_in_the_wrong_case_gets_a_suggestion(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path / "k.yaml", CONNECTOR.replace("kind: Connector", "kind: connector"))
    assert validate(capsys, str(path)) == (
        1,
        [
            f"{path}:2:1: error: unknown kind 'connector'; did you mean 'Connector'? "
            "(kinds: ClusterSettings, ModelGroup, Connector, Model, IngestPipeline, SearchPipeline, Agent)"
        ],
    )


def test_name_with_spaces(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path / "n.yaml", GROUP.format(name='"my group"'))
    code, out = validate(capsys, str(path))
    assert code == 1
    assert out == [
        f"{path}:3:12: error: metadata.name 'my group' is not a valid name: use 1-128 letters, digits, "
        "'.', '_' or '-', starting and ending with a letter or digit"
    ]


def test_null_and_boolean_keys_are_named_as_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path / "k.yaml", GROUP.format(name="g").replace("{}", "\n  null: 1\n  yes: 2"))
    code, out = validate(capsys, str(path))
    assert code == 1
    assert [line.split(" (allowed")[0] for line in out] == [
        f"{path}:5:3: error: unknown field 'null' in spec",
        f"{path}:6:3: error: unknown field 'true' in spec",
    ]


def test_reference_to_a_connector_in_another_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path / "tree" / "a" / "connector.yaml", CONNECTOR)
    write(tmp_path / "tree" / "c" / "group.yaml", GROUP.format(name="g"))
    model = "apiVersion: mlgitops/v1\nkind: Model\nmetadata: {name: m}\nspec:\n  function_name: remote\n"
    model += "  model_group: g\n"
    model_path = write(tmp_path / "tree" / "b" / "model.yaml", model + "  connector: c1\n")
    assert validate(capsys, str(tmp_path / "tree")) == (0, [])
    model_path.write_text(model + "  connector: c2\n")
    assert validate(capsys, str(tmp_path / "tree")) == (
        1,
        [f"{model_path}:7:3: error: no Connector named 'c2' in the manifests"],
    )


def test_same_name_in_two_files_reports_both_locations(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first = write(tmp_path / "tree" / "a.yaml", GROUP.format(name="g"))
    second = write(tmp_path / "tree" / "b" / "b.yaml", "# comment\n" + GROUP.format(name="g"))
    assert validate(capsys, str(tmp_path / "tree")) == (
        1,
        [f"{second}:4:12: error: duplicate ModelGroup/g (first defined at {first}:3:12)"],
    )


LEAKY = """\
apiVersion: mlgitops/v1
kind: Connector
metadata: {name: leaky}
spec:
  version: 1
  protocol: http
  parameters:
    api_key: SEKRET-PARAM
    endpoint: example.com
  credential:
    key: SEKRET-CRED
  actions:
    - action_type: predict
      method: POST
      url: https://me:SEKRET-USERINFO@${parameters.endpoint}/${parameters.api_key}?key=SEKRET-QUERY&v=1
      headers:
        Authorization: Bearer SEKRET-AUTH
        X-Goog-Api-Key: SEKRET-GOOG
      request_body: '{"k": "${credential.key}"}'
---
apiVersion: mlgitops/v1
kind: Model
metadata: {name: m}
spec:
  function_name: remote
  inline_connector:
    protocol: http
    credential: {key: {env: SEKRET-CRED, file: x}}
    actions:
      - {action_type: predict, method: POST, url: "https://x.example.com/?token=SEKRET-QUERY"}
"""


@pytest.mark.parametrize("output", ["text", "json", "github"])
def test_literal_keys_in_wrong_places_never_reach_the_output(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], output: str
) -> None:
    path = write(tmp_path / "leaky.yaml", LEAKY)
    code = main(["validate", str(path), "--output", output])
    captured = capsys.readouterr()
    assert code == 1
    assert "SEKRET" not in captured.out + captured.err
    for field in ("spec.credential.key", "spec.actions[0].url", "spec.actions[0].headers.Authorization"):
        assert field in captured.out or output == "text"
    assert "https://***@example.com/***?key=***&v=1" in captured.out


def test_line_breaks_in_values_keep_one_line_per_issue(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(
        tmp_path / "n.yaml", 'apiVersion: mlgitops/v1\nkind: "Conn\\nector"\nmetadata: {name: g}\nspec: {}\n'
    )
    assert validate(capsys, str(path)) == (
        1,
        [
            f"{path}:2:1: error: unknown kind 'Conn\\nector'; did you mean 'Connector'? "
            "(kinds: ClusterSettings, ModelGroup, Connector, Model, IngestPipeline, SearchPipeline, Agent)"
        ],
    )


def test_credential_written_as_both_env_and_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path / "c.yaml", CONNECTOR.replace("{env: K}", "{env: K, file: k.txt}"))
    assert validate(capsys, str(path)) == (
        1,
        [f"{path}:7:16: error: spec.credential.key: write {{env: ...}} or {{file: ...}}, not a mix of them"],
    )


def test_huge_file_is_refused_before_parsing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "huge.yaml"
    with path.open("wb") as handle:
        handle.truncate(20 * 1024 * 1024)  # sparse: no 20 MiB written
    assert validate(capsys, str(path)) == (
        1,
        [f"{path}: error: file too large (20.0 MiB; the limit is 16 MiB)"],
    )


def test_scalars_yaml_cannot_build_are_located(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad_date = write(tmp_path / "d.yaml", GROUP.format(name="g").replace("{}", "{description: 2024-13-45}"))
    bad_int = write(tmp_path / "i.yaml", GROUP.format(name="g").replace("{}", '{description: !!int "x"}'))
    code, out = validate(capsys, str(bad_date), str(bad_int))
    assert code == 1
    assert out == [
        f"{bad_date}:4:21: error: invalid YAML: this value cannot be read as a timestamp; write a quoted "
        "string for text",
        f"{bad_int}:4:21: error: invalid YAML: this value cannot be read as a int; write a quoted "
        "string for text",
    ]


def test_values_json_cannot_carry_are_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    extra = "    since: 2024-01-05\n    raw: !!binary aGVsbG8=\n    tags: !!set {a}\n  credential:"
    path = write(tmp_path / "c.yaml", CONNECTOR.replace("  credential:", "  parameters:\n" + extra))
    code, out = validate(capsys, str(path))
    assert code == 1
    tail = "which JSON cannot carry; quote it"
    assert out == [
        f"{path}:8:5: error: spec.parameters.since: YAML reads this value as a date, {tail}",
        f"{path}:9:5: error: spec.parameters.raw: YAML reads this value as binary data, {tail}",
        f"{path}:10:5: error: spec.parameters.tags: YAML reads this value as a set, {tail}",
    ]


def test_kind_written_as_a_mapping(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path / "k.yaml", "apiVersion: mlgitops/v1\nkind:\n  name: g\nspec: {}\n")
    assert validate(capsys, str(path)) == (
        1,
        [
            f"{path}:2:1: error: kind: expected one of ClusterSettings, ModelGroup, Connector, Model, "
            "IngestPipeline, SearchPipeline, Agent, got a mapping"
        ],
    )


def test_a_catastrophic_trusted_regex_is_a_located_error_not_a_hang(capsys, tmp_path: Path) -> None:
    settings = (
        "apiVersion: mlgitops/v1\nkind: ClusterSettings\nmetadata: {name: ml}\nspec:\n  scope: persistent\n"
        "  plugins.ml_commons.trusted_connector_endpoints_regex: ['^https://(a|aa)+$', '^https://(a+)+$']\n"
    )
    url = "https://" + "a" * 48 + ".com/v1"
    (tmp_path / "m.yaml").write_text(
        settings + "---\n" + CONNECTOR.replace("https://api.openai.com/v1/chat/completions", url)
    )
    started = time.monotonic()
    code, out = validate(capsys, "m.yaml")
    assert time.monotonic() - started < 2.0
    assert code == 1
    (line,) = [line for line in out if "budget" in line]
    assert line.startswith("m.yaml:18:7: error: ")  # the connector's url
    assert "trusted_connector_endpoints_regex '^https://(a|aa)+$'" in line
    assert "backtracks catastrophically" in line
