"""The libyaml fast path reads exactly what the pure-Python parser reads, positions included."""

from pathlib import Path

import pytest
import yaml

from mlgitops.manifests import loading
from mlgitops.manifests.loading import RawDocument, parse_documents

REPO = Path(__file__).resolve().parents[3]
EXAMPLES = sorted((REPO / "manifests").glob("*.yaml"))
VALID_DATA = sorted((REPO / "tests" / "data" / "manifests" / "valid").rglob("*.yaml"))
INVALID_DATA = sorted((REPO / "tests" / "data" / "manifests" / "invalid").rglob("*.yaml"))

needs_libyaml = pytest.mark.skipif(not loading.LIBYAML, reason="PyYAML built without libyaml")

TRICKY = (
    "# a comment before the first document\n"
    "%YAML 1.1\n"
    "---\n"
    "base: &base {name: ünïcødé 🚀, tags: [a, 'b', \"c\"]}\n"
    "merged:\n"
    "  <<: *base\n"
    "  extra: !!str 12\n"
    "  'quoted key': yes\n"
    '  "dq ☃ key": 1.10\n'
    "  0123: octal-looking key\n"
    "  null: ~\n"
    "  true: off\n"
    "  dup: 1\n"
    "  dup: 2\n"
    "block: |\n"
    "  line one ☃\n"
    "    indented\n"
    "folded: >-\n"
    "  folded\n"
    "  text\n"
    "plain: multi\n"
    "  line\n"
    "  value\n"
    "? complex key\n"
    ": complex value\n"
    "seq:\n"
    "- - nested\n"
    "  - {a: [1, 2, {b: c}]}\n"
    "-   spaced: item\n"
    "    second: 2\n"
    "- 'single ''quoted'''\n"
    '- "tab\\tand \\u2028 escapes"\n'
    "- 2001-12-14\n"
    "- !!binary aGVsbG8=\n"
    "empty:\n"
    "alias_list: [*base, *base]\n"
    "...\n"
    "---\n"
    "# only a comment\n"
    "---\n"
    "- 🚀🚀: x\n"
    "  next: [é, {ü: 1}]\n"
    "---\r\n"
    "crlf: value\r\n"
    "inner:\r\n"
    "  deeper: [1, 2]\r\n"
)


def both(
    text: str, path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[list[RawDocument], list[RawDocument]]:
    """The documents read with libyaml (which must succeed) and with the pure-Python parser."""
    fast = loading._parse_with_libyaml(text, path)
    assert fast is not None
    with monkeypatch.context() as patched:
        patched.setattr(loading, "LIBYAML", False)
        slow, issues = parse_documents(text, path)
    assert issues == []
    return fast, slow


def assert_same(fast: list[RawDocument], slow: list[RawDocument]) -> None:
    assert [(d.index, d.data) for d in fast] == [(d.index, d.data) for d in slow]
    for fast_doc, slow_doc in zip(fast, slow, strict=True):
        assert fast_doc.positions.start == slow_doc.positions.start
        assert dict(fast_doc.positions.marks) == dict(slow_doc.positions.marks)
        assert fast_doc.positions.duplicate_keys == slow_doc.positions.duplicate_keys
        assert fast_doc.positions.retyped == slow_doc.positions.retyped


@needs_libyaml
@pytest.mark.parametrize("path", EXAMPLES + VALID_DATA, ids=lambda p: p.name)
def test_every_position_of_the_manifests_is_the_same_with_both_parsers(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fast, slow = both(path.read_text(encoding="utf-8"), path, monkeypatch)
    assert fast
    assert_same(fast, slow)


@needs_libyaml
def test_a_tricky_file_reads_the_same_with_both_parsers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fast, slow = both(TRICKY, tmp_path / "tricky.yaml", monkeypatch)
    assert [doc.index for doc in fast] == [0, 2, 3]
    assert_same(fast, slow)
    first = fast[0].positions
    assert first.marks[("merged", "dq ☃ key")] == (9, 3)
    assert first.marks[("seq", 0, 1, "a", 2, "b")] == (28, 17)
    assert fast[1].positions.marks[(0, "next", 1, "ü")] == (42, 14)
    assert first.duplicate_keys == (("merged", "dup"),)
    assert ("merged", "quoted key") in dict(first.retyped)


@needs_libyaml
def test_valid_files_take_the_libyaml_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []

    def python_parser(text: str, path: Path) -> tuple[list[RawDocument], list[object]]:
        calls.append(text)
        return [], []

    monkeypatch.setattr(loading, "_parse_with_python", python_parser)
    documents, issues = parse_documents("a: [1, {b: 2}]\n", tmp_path / "x.yaml")
    assert (calls, issues) == ([], [])
    assert documents[0].data == {"a": [1, {"b": 2}]}
    assert documents[0].positions.marks[("a", 1, "b")] == (1, 9)


@pytest.mark.parametrize(
    "text",
    [
        "a: 1\n---\nkey: [unclosed\nnext: 2\n",  # a syntax error
        "a: *nowhere\n",  # an undefined alias
        "a: &x [*x]\n",  # a recursive alias
        "when: 2001-13-45\n",  # a value that cannot be built
        "a: '\x07'\n",  # a character the pure-Python reader refuses
        "a: " + "[" * 70 + "]" * 70 + "\n",  # libyaml reads it; too deep for the positions
        "a: " + "[" * 70 + "]" * 70 + "  # " + "x" * 1000 + "\n",  # too wide a line to try libyaml
        "a: 1\n" + "b:\n" + "".join(" " * (n + 1) + f"k{n}:\n" for n in range(1100)),  # deep blocks
    ],
)
def test_problem_files_give_exactly_the_pure_python_result(
    text: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "bad.yaml"
    normal = parse_documents(text, path)
    monkeypatch.setattr(loading, "LIBYAML", False)
    pure = parse_documents(text, path)
    assert normal[1] == pure[1]
    assert [(d.index, d.data, d.positions) for d in normal[0]] == [
        (d.index, d.data, d.positions) for d in pure[0]
    ]


@pytest.mark.parametrize("path", INVALID_DATA, ids=lambda p: p.name)
def test_broken_manifests_parse_the_same_either_way(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = path.read_text(encoding="utf-8")
    normal = parse_documents(text, path)
    monkeypatch.setattr(loading, "LIBYAML", False)
    pure = parse_documents(text, path)
    assert normal[1] == pure[1]
    assert [(d.index, d.data, d.positions) for d in normal[0]] == [
        (d.index, d.data, d.positions) for d in pure[0]
    ]


def test_deep_nesting_never_reaches_libyaml(monkeypatch: pytest.MonkeyPatch) -> None:
    """libyaml's C composer would overflow the C stack (a crash, not an error) on absurd nesting."""

    def refuse(text: str, path: Path) -> None:
        raise AssertionError("libyaml must not see this text")

    monkeypatch.setattr(loading, "_parse_with_libyaml", refuse)
    monkeypatch.setattr(loading, "LIBYAML", True)
    deep = "a:\n" + " [\n" * 2001 + " ]\n" * 2001  # short lines, too many brackets
    _, issues = parse_documents(deep, Path("deep.yaml"))
    assert issues[0].message.startswith("document too complex")
    blocks = "".join(" " * n + f"k{n}:\n" for n in range(1500))
    assert parse_documents(blocks, Path("blocks.yaml"))[1][0].message.startswith("document too complex")


def test_libyaml_flag_follows_pyyaml() -> None:
    assert bool(getattr(yaml, "__with_libyaml__", False)) == loading.LIBYAML
