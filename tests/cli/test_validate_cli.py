"""``mlgitops validate``: exit codes, output formats, and one located line per bad input."""

import json
import re
from pathlib import Path

import pytest

from mlgitops.cli.main import main

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data" / "manifests"
HINT = "run from the project root (where mlgitops.yaml is) or pass PATH / --config"
INVALID = sorted((DATA / "invalid").glob("*.yaml"))
EXPECT = re.compile(r"^# expect: (?P<line>\d+):(?P<col>\d+) (?P<message>.*)$")


@pytest.fixture(autouse=True)
def _isolated_cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No ./mlgitops.yaml unless a test writes one."""
    monkeypatch.chdir(tmp_path)


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(["validate", *argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_example_manifests_are_valid(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run([str(ROOT / "manifests"), "--config", str(ROOT / "mlgitops.yaml")], capsys)
    assert code == 0, out
    assert "error" not in out
    assert err.strip().startswith("0 errors, 0 warnings")
    assert out == ""


def test_example_manifests_are_valid_for_the_demo(capsys: pytest.CaptureFixture[str]) -> None:
    argv = [str(ROOT / "manifests"), "--config", str(ROOT / "mlgitops.yaml"), "--env", "demo"]
    code, out, err = run(argv, capsys)
    assert (code, out) == (0, "")
    assert err.strip().startswith("0 errors, 0 warnings")


def test_default_path_is_manifests_dir(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run([], capsys)
    assert code == 1
    assert out == f"manifests: error: no such file or directory: manifests ({HINT})\n"


@pytest.mark.parametrize("path", INVALID, ids=[p.stem for p in INVALID])
def test_each_bad_input_gives_one_located_line(path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    match = EXPECT.match(path.read_text().splitlines()[0])
    assert match is not None, f"{path} needs a '# expect: LINE:COL message' first line"
    code, out, err = run([str(path)], capsys)
    assert code == 1
    lines = out.splitlines()
    errors = [line for line in lines if ": error: " in line]
    assert len(errors) == 1, out
    assert errors[0].startswith(f"{path}:{match['line']}:{match['col']}: error: {match['message']}")
    assert "Traceback" not in out + err


def test_invalid_directory_reports_every_problem_at_once(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run([str(DATA / "invalid")], capsys)
    assert code == 1
    assert len([line for line in out.splitlines() if ": error: " in line]) == len(INVALID)


def test_valid_data_directory(capsys: pytest.CaptureFixture[str]) -> None:
    assert run([str(DATA / "valid")], capsys)[0] == 0


@pytest.mark.parametrize(
    ("setup", "expected"),
    [
        ("missing", "{p}: error: no such file or directory: {p}"),
        ("empty_dir", "{p}: error: no manifests found in {p} (looked for *.yaml, *.yml)"),
        ("binary", "{p}: error: binary file (NUL byte on line 3), not YAML text"),
        ("latin1", "{p}: error: not UTF-8 text (byte 0xe9 on line 1); save the file as UTF-8"),
        ("utf16", "{p}: error: UTF-16 text (byte order mark); save the file as UTF-8"),
    ],
)
def test_file_level_bad_inputs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], setup: str, expected: str
) -> None:
    path = tmp_path / "target.yaml"
    if setup == "empty_dir":
        path = tmp_path / "empty"
        path.mkdir()
    elif setup == "binary":
        path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    elif setup == "latin1":
        path.write_bytes(b"name: caf\xe9\n")
    elif setup == "utf16":
        path.write_bytes("kind: Model\n".encode("utf-16"))
    code, out, err = run([str(path)], capsys)
    assert code == 1
    assert out == expected.format(p=path) + "\n"
    assert "Traceback" not in err


def test_json_output(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run([str(DATA / "invalid" / "unknown_field.yaml"), "--output", "json"], capsys)
    assert code == 1
    body = json.loads(out)
    assert body["valid"] is False
    assert body["issues"][0]["json_path"] == "spec.descripton"
    assert body["issues"][0]["line"] == 7


def test_github_output(capsys: pytest.CaptureFixture[str]) -> None:
    path = DATA / "invalid" / "unknown_kind.yaml"
    code, out, _ = run([str(path), "--output", "github"], capsys)
    assert code == 1
    assert out.splitlines()[0].startswith(f"::error file={path},line=3,col=1,title=mlgitops error%3A kind::")
    assert out.splitlines()[1].startswith(f"{path}:3:1: error: unknown kind")


def test_plaintext_flag_and_no_secret_in_any_output(capsys: pytest.CaptureFixture[str]) -> None:
    path = str(DATA / "invalid" / "plaintext_credential.yaml")
    for output in ("text", "json", "github"):
        code, out, err = run([path, "--output", output], capsys)
        assert code == 1
        assert "sk-not-a-real-key" not in out + err
    assert run([path, "--allow-plaintext-credentials"], capsys)[0] == 0


def test_env_selects_variables(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "mlgitops.yaml").write_text("vars: {desc: shared}\nenvironments:\n  a: {vars: {name: x}}\n")
    manifest = tmp_path / "g.yaml"
    manifest.write_text(
        "apiVersion: mlgitops/v1\nkind: ModelGroup\nmetadata: {name: g}\nspec:\n  name: ${vars.name}\n"
    )
    assert run([str(manifest), "--env", "a"], capsys)[0] == 0
    code, out, _ = run([str(manifest)], capsys)
    assert code == 1
    assert f"{manifest}:5:3: error: undefined variable '${{vars.name}}'" in out


def test_unknown_env_is_a_one_line_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "mlgitops.yaml").write_text("environments:\n  dev: {}\n  prod: {}\n")
    code, _, err = run(["--env", "qa"], capsys)
    assert code == 1
    assert err == "error: unknown environment 'qa' (known: dev, prod)\n"


def test_broken_project_file_is_a_located_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "mlgitops.yaml").write_text("environments:\n  dev:\n    tagret: x\n")
    code, _, err = run([], capsys)
    assert code == 1
    assert err.startswith("error: project file mlgitops.yaml:3:5: unknown field 'tagret' in environments.dev")


def test_project_file_names_the_manifest_directory(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = tmp_path / "proj"
    (project / "defs").mkdir(parents=True)
    (project / "mlgitops.yaml").write_text("manifests: defs\n")
    (project / "defs" / "g.yaml").write_text(
        "apiVersion: mlgitops/v1\nkind: ModelGroup\nmetadata: {name: g}\nspec: {}\n"
    )
    assert run(["--config", str(project / "mlgitops.yaml")], capsys)[0] == 0
    code, out, _ = run([], capsys)
    assert (code, out) == (1, f"manifests: error: no such file or directory: manifests ({HINT})\n")
