"""Building plain documents directly gives exactly what PyYAML's safe constructor gives."""

import math
from pathlib import Path
from typing import Any

import pytest
import yaml

from mlgitops.manifests.loading import parse_documents
from mlgitops.manifests.yamldata import UnusualError, build_data

ROOT = Path(__file__).parents[3]
CRAFTED = [
    "a: 1\nb: 1.5\nc: true\nd: no\ne: ~\nf: 0x1F\ng: 1_000\nh: .inf\ni: -.nan\nj: 2001-12-14\n",
    "k: 2001-12-14t21:59:43.10-05:00\nl: !!binary aGVsbG8=\nm: '007'\nn: 0o17\no: 010\np: 1:20\n",
    "list: [1, two, {three: 3}, [4]]\nempty: []\nnone: {}\nblock: |\n  text\n  more\nfold: >\n  a\n  b\n",
    "base: &b {x: 1, y: [1, 2]}\nsame: *b\nitems: &l [a, b]\nagain: *l\n",
    "? [complex, key]\n: value\n",
    "base: &b {x: 1}\nmerged:\n  <<: *b\n  y: 2\n",
    "set: !!set {a, b}\nomap: !!omap [a: 1, b: 2]\npairs: !!pairs [a: 1]\n",
    "tagged: !custom value\n",
    "dup: 1\ndup: 2\nnull: x\n~: y\ntrue: z\n1: one\n1.5: f\n2001-12-14: d\n",
    "str: !!str 12\nint: !!int '7'\nmap: !!map {a: 1}\nseq: !!seq [1]\n",
    "= : value\n",
    "plain scalar document\n",
    "- top\n- level\n- list\n",
    "bad: !!int nope\n",
    "bytes_key: {? !!binary aGk= : v}\n",
]


def _texts() -> list[str]:
    files = sorted({*ROOT.glob("manifests/**/*.yaml"), *ROOT.glob("tests/data/**/*.yaml")})
    return [file.read_text(encoding="utf-8", errors="replace") for file in files] + CRAFTED


def _same(left: Any, right: Any) -> bool:
    if isinstance(left, float) and isinstance(right, float) and math.isnan(left):
        return math.isnan(right)
    if type(left) is not type(right):
        return False
    if isinstance(left, dict):
        return list(left) == list(right) and all(_same(left[k], right[k]) for k in left)
    if isinstance(left, list):
        return len(left) == len(right) and all(_same(a, b) for a, b in zip(left, right, strict=True))
    return bool(left == right)


def _documents(text: str, loader_class: type[yaml.SafeLoader] | type[Any]) -> list[tuple[Any, Any]]:
    """(built directly or UnusualError or the error raised, built by the safe constructor) per document."""
    direct, safe = loader_class(text), loader_class(text)
    pairs = []
    try:
        while direct.check_node() and safe.check_node():
            node, other = direct.get_node(), safe.get_node()
            try:
                mine: Any = build_data(direct, node)
            except (UnusualError, ValueError, TypeError, yaml.YAMLError) as exc:
                mine = type(exc)
            try:
                theirs: Any = safe.construct_document(other)
            except (ValueError, TypeError, yaml.YAMLError) as exc:
                theirs = type(exc)
            pairs.append((mine, theirs))
    except yaml.YAMLError:
        pass
    return pairs


@pytest.mark.parametrize("loader_class", [yaml.SafeLoader, getattr(yaml, "CSafeLoader", yaml.SafeLoader)])
def test_plain_documents_build_equal_data_and_the_rest_are_left_to_the_constructor(loader_class):
    built = unusual = 0
    for text in _texts():
        for mine, theirs in _documents(text, loader_class):
            if mine is UnusualError:
                unusual += 1
                continue
            built += 1
            if isinstance(mine, type):  # the same scalar refused by both
                assert mine is theirs or isinstance(theirs, type)
            else:
                assert _same(mine, theirs), (mine, theirs)
    assert built > 30
    assert unusual >= 5  # merge keys, complex keys, sets, custom tags, '=' keys


def test_aliases_share_one_object_as_with_the_safe_constructor():
    data = build_data(*_composed("base: &b {x: 1}\nsame: *b\nitems: &l [a]\nagain: *l\n"))
    assert data["same"] is data["base"]
    assert data["again"] is data["items"]


def _composed(text: str) -> tuple[yaml.SafeLoader, yaml.Node]:
    loader = yaml.SafeLoader(text)
    node = loader.get_single_node()
    assert node is not None
    return loader, node


@pytest.mark.parametrize(
    "text", ["base: &b {x: 1}\nm:\n  <<: *b\n  y: 2\n", "s: !!set {a}\n", "? [k]\n: v\n", "t: !x y\n"]
)
def test_unusual_documents_still_load_as_before(tmp_path, text):
    documents, issues = parse_documents(text, tmp_path / "m.yaml")
    try:
        expected = yaml.safe_load(text)
    except yaml.YAMLError:
        assert issues and not documents
    else:
        assert not issues and documents[0].data == expected


REMEMBERED = (
    "a: yes\nb: 'yes'\nc: \"1\"\nd: 1\ne: 1.0\nf: null\ng: ~\nh: '~'\ni: 2001-12-14\nj: '2001-12-14'\n"
)


@pytest.mark.parametrize("text", [*_texts(), REMEMBERED, REMEMBERED.replace(": ", ": !!str ")])
def test_parsed_documents_hold_what_the_safe_loader_reads(tmp_path, text):
    try:
        expected = [data for data in yaml.safe_load_all(text) if data is not None]
    except (yaml.YAMLError, ValueError, TypeError):
        return
    for _ in range(2):  # the second time with every plain scalar's tag remembered
        documents, issues = parse_documents(text, tmp_path / "m.yaml")
        if issues:  # refused by the document checks (too deep, non-printable...), not by YAML
            continue
        assert _same([raw.data for raw in documents], expected)
