"""The project file: defaults, located errors, environments."""

from pathlib import Path

import pytest

from mlgitops.errors import ConfigError
from mlgitops.manifests import project_variables, read_project_config


def test_missing_default_file_gives_defaults(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    config = read_project_config(None)
    assert config.environments == {}
    assert project_variables(config, None) == {}


def test_default_file_is_read_from_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "mlgitops.yaml").write_text("vars: {a: 1}\nenvironments:\n  demo:\n    vars: {a: 2, b: x}\n")
    monkeypatch.chdir(tmp_path)
    config = read_project_config(None)
    assert project_variables(config, None) == {"a": 1}
    assert project_variables(config, "demo") == {"a": 2, "b": "x"}


def test_unknown_environment_lists_the_known_ones(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text("environments:\n  dev: {}\n  prod: {}\n")
    with pytest.raises(ConfigError, match=r"^unknown environment 'stage' \(known: dev, prod\)$"):
        project_variables(read_project_config(path), "stage")


def test_explicit_missing_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"project file .*nope\.yaml not found"):
        read_project_config(tmp_path / "nope.yaml")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "environments:\n  dev:\n    targt: x\n",
            r"^project file \S*p.yaml:3:5: unknown field 'targt' in environments.dev; "
            r"did you mean 'target'\?$",
        ),
        ("vars: [1]\n", r"^project file \S*p.yaml:1:1: vars: expected mapping, got list$"),
        ("- a\n", r"the project file must be a mapping"),
        ("a: [\n", r"^project file \S*p.yaml:2:1: invalid YAML: "),
        ("a:\n\tb: 1\n", r"^project file \S*p.yaml:2:1: invalid YAML: .*indent with spaces"),
    ],
)
def test_invalid_project_files_are_located(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=message):
        read_project_config(path)


def test_project_file_that_is_a_directory(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"^project file \S+ is not a file$"):
        read_project_config(tmp_path)


def test_empty_project_file_is_the_defaults(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text("# nothing yet\n")
    assert read_project_config(path).manifests == "manifests"


def test_project_file_with_two_documents_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text("vars: {}\n---\nvars: {}\n")
    with pytest.raises(ConfigError, match="expected one YAML document, found 2"):
        read_project_config(path)
