"""Finding and parsing manifest files: every problem is an issue with a location."""

from pathlib import Path

from mlgitops.manifests.loading import find_manifest_files, parse_documents, read_manifest_file


def test_directories_are_read_recursively_sorted_and_hidden_entries_skipped(tmp_path: Path) -> None:
    (tmp_path / "b").mkdir()
    (tmp_path / ".hidden").mkdir()
    for name in ("b/two.yml", "one.yaml", ".hidden/x.yaml", "notes.txt", ".dot.yaml"):
        (tmp_path / name).write_text("a: 1\n")
    files, issues = find_manifest_files([tmp_path])
    assert [f.relative_to(tmp_path).as_posix() for f in files] == ["b/two.yml", "one.yaml"]
    assert issues == []


def test_explicit_file_is_read_whatever_its_suffix(tmp_path: Path) -> None:
    path = tmp_path / "manifest.txt"
    path.write_text("a: 1\n")
    assert find_manifest_files([path]) == ([path], [])


def test_missing_path_and_empty_directory_are_issues(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    _, issues = find_manifest_files([tmp_path / "nope.yaml", tmp_path / "empty"])
    assert [i.message for i in issues] == [
        f"no such file or directory: {tmp_path / 'nope.yaml'}",
        f"no manifests found in {tmp_path / 'empty'} (looked for *.yaml, *.yml)",
    ]
    assert (
        issues[0].format()
        == f"{tmp_path / 'nope.yaml'}: error: no such file or directory: {tmp_path / 'nope.yaml'}"
    )


def test_binary_and_non_utf8_files_are_issues(tmp_path: Path) -> None:
    binary = tmp_path / "bin.yaml"
    binary.write_bytes(b"a: 1\n\x00\x01\x02")
    latin = tmp_path / "latin.yaml"
    latin.write_bytes(b"a: 1\nb: caf\xe9\n")
    assert read_manifest_file(binary)[1][0].message == "binary file (NUL byte on line 2), not YAML text"
    message = read_manifest_file(latin)[1][0].message
    assert message == "not UTF-8 text (byte 0xe9 on line 2); save the file as UTF-8"


def test_empty_documents_are_skipped_and_indexes_kept(tmp_path: Path) -> None:
    documents, issues = parse_documents("---\n---\na: 1\n---\n# only a comment\n---\nb: 2\n", tmp_path)
    assert issues == []
    assert [(d.index, d.data) for d in documents] == [(1, {"a": 1}), (3, {"b": 2})]


def test_malformed_yaml_is_located(tmp_path: Path) -> None:
    documents, issues = parse_documents("a: 1\n---\nkey: [unclosed\nnext: 2\n", tmp_path / "x.yaml")
    assert [d.data for d in documents] == [{"a": 1}]
    assert len(issues) == 1
    assert (issues[0].line, issues[0].column) == (4, 5)
    assert issues[0].message.startswith("invalid YAML: ")
    assert issues[0].document == 1


def test_unknown_tag_is_a_located_yaml_issue(tmp_path: Path) -> None:
    _, issues = parse_documents("a: !python/object x\n", tmp_path)
    assert issues[0].line == 1
    assert "could not determine a constructor" in issues[0].message


def test_recursive_alias_is_refused(tmp_path: Path) -> None:
    documents, issues = parse_documents("ok: 1\n---\na: &x [*x]\n", tmp_path)
    assert [d.data for d in documents] == [{"ok": 1}]
    assert issues[0].message == "document too complex: recursive alias at line 3"
    assert issues[0].document == 1


def test_alias_bomb_is_refused(tmp_path: Path) -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 8)]
    _, issues = parse_documents("\n".join(lines) + "\n", tmp_path)
    assert issues[0].message == "document too complex: more than 100000 values once aliases are expanded"


def test_unreadable_file_is_an_issue(tmp_path: Path) -> None:
    directory = tmp_path / "dir.yaml"
    directory.mkdir()
    assert read_manifest_file(directory)[1][0].message.startswith("cannot read: ")


def test_control_characters_are_a_yaml_issue(tmp_path: Path) -> None:
    _, issues = parse_documents("a: 1\nb: c\x07\n", tmp_path)
    assert (
        issues[0].message
        == "invalid YAML: character U+0007 is not allowed (special characters are not allowed)"
    )
    assert (issues[0].line, issues[0].column) == (2, 5)
