"""The manifest cache: reused only for unchanged files, same result as without it, never a secret on disk."""

import hashlib
import json
import logging
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from manifest_helpers import CONNECTOR

from mlgitops.manifests import (
    ManifestCache,
    ManifestSet,
    load_manifests,
    project_variables,
    read_project_config,
)
from mlgitops.manifests.cachefiles import FORMAT, DirectoryStore, default_directory, open_cache

EXAMPLES = Path(__file__).parents[3] / "manifests"
VARIABLES = project_variables(read_project_config(EXAMPLES.parent / "mlgitops.yaml"), None)
INVALID = Path(__file__).parents[2] / "data" / "manifests" / "invalid"
WARNED = """\
apiVersion: mlgitops/v1
kind: Connector
metadata:
  name: warned
spec:
  version: 1.10
  protocol: http
  parameters:
    flag: no
  credential:
    key: {env: OPENAI_API_KEY}
  actions:
    - action_type: predict
      method: POST
      url: https://api.openai.com/v1/${parameters.missing}
      headers:
        Authorization: Bearer ${credential.key}
"""


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "tree"
    shutil.copytree(EXAMPLES, root)
    (root / "warned.yaml").write_text(WARNED)
    return root


def load(paths: list[Path], **kwargs: object) -> ManifestSet:
    """The example tree needs the project's variables."""
    return load_manifests(paths, variables=VARIABLES, **kwargs)  # type: ignore[arg-type]


def parsed(caplog: pytest.LogCaptureFixture) -> list[str]:
    """Files parsed (not taken from the cache) since the last clear."""
    found = [r.args[0].name for r in caplog.records if r.msg == "parsing %s" and isinstance(r.args, tuple)]
    caplog.clear()
    return sorted(found)


def same(left: ManifestSet, right: ManifestSet) -> None:
    assert left == right
    assert [doc.positions for doc in left.documents] == [doc.positions for doc in right.documents]


def store_files(directory: Path) -> list[Path]:
    return sorted(directory.glob("*.json")) if directory.is_dir() else []


def forge(entry: Path, edit: Callable[[list[bytes]], list[bytes]]) -> None:
    """Rewrite an entry's body lines (file meta, then data and marks per document) with a valid digest."""
    header, _, body = entry.read_bytes().partition(b"\n")
    forged = b"\n".join(edit(body.split(b"\n")))
    fields = json.loads(header)
    fields["sha256"] = hashlib.sha256(forged).hexdigest()
    entry.write_bytes(json.dumps(fields).encode() + b"\n" + forged)


def in_data(old: bytes, new: bytes) -> Callable[[list[bytes]], list[bytes]]:
    """An edit of the stored data of an entry's one document (its meta and marks lines kept)."""
    return lambda lines: [lines[0], lines[1].replace(old, new), lines[2]]


@dataclass(frozen=True)
class Stored:
    """The example connector loaded once through a directory store: that result and its one entry."""

    path: Path
    directory: Path
    expected: ManifestSet
    entry: Path

    def load_again(self) -> ManifestSet:
        """The file loaded as a new process would: a new cache over the same directory."""
        return load_manifests([self.path], cache=ManifestCache(DirectoryStore(self.directory)))


@pytest.fixture
def stored(tmp_path: Path) -> Stored:
    path = tmp_path / "c.yaml"
    path.write_text(CONNECTOR)
    directory = tmp_path / "cache"
    expected = load_manifests([path], cache=ManifestCache(DirectoryStore(directory)))
    (entry,) = store_files(directory)
    return Stored(path, directory, expected, entry)


def test_memory_cache_gives_the_uncached_result_and_parses_only_edited_files(
    tree: Path, caplog: pytest.LogCaptureFixture, fake_secrets: dict[str, str]
) -> None:
    caplog.set_level(logging.DEBUG, logger="mlgitops.manifests.pipeline")
    uncached = load([tree])
    assert uncached.ok and uncached.warnings
    cache = ManifestCache()
    first = load([tree], cache=cache)
    parsed(caplog)
    second = load([tree], cache=cache)
    assert parsed(caplog) == []
    same(uncached, first)
    same(uncached, second)

    edited = (tree / "warned.yaml").read_text().replace("version: 1.10", 'version: "2"')
    (tree / "warned.yaml").write_text(edited)
    third = load([tree], cache=cache)
    assert parsed(caplog) == ["warned.yaml"]
    same(load([tree]), third)
    assert not any("1.10" in issue.message for issue in third.issues)
    assert any("1.10" in issue.message for issue in second.issues)


def test_a_new_process_reads_results_from_the_directory(
    tree: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture, fake_secrets: dict[str, str]
) -> None:
    caplog.set_level(logging.DEBUG, logger="mlgitops.manifests.pipeline")
    directory = tmp_path / "cache"
    uncached = load([tree])
    load([tree], cache=ManifestCache(DirectoryStore(directory)))
    assert len(store_files(directory)) == len(list(tree.glob("*.yaml")))
    assert directory.stat().st_mode & 0o077 == 0
    caplog.clear()
    again = load([tree], cache=ManifestCache(DirectoryStore(directory)))
    assert parsed(caplog) == []
    same(uncached, again)
    for secret in fake_secrets.values():
        assert all(secret not in path.read_text() for path in store_files(directory))


def test_other_variables_or_credential_rule_are_other_results(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="mlgitops.manifests.pipeline")
    path = tmp_path / "c.yaml"
    path.write_text(CONNECTOR.replace("name: OpenAI", "name: ${vars.title}"))
    cache = ManifestCache(DirectoryStore(tmp_path / "cache"))
    first = load_manifests([path], variables={"title": "one"}, cache=cache)
    second = load_manifests([path], variables={"title": "two"}, cache=cache)
    assert parsed(caplog) == ["c.yaml", "c.yaml"]
    assert [doc.document.spec.name for doc in (*first.documents, *second.documents)] == ["one", "two"]  # type: ignore[union-attr]
    load_manifests([path], variables={"title": "two"}, allow_plaintext_credentials=True, cache=cache)
    assert parsed(caplog) == ["c.yaml"]


def test_literal_credentials_and_failed_loads_are_never_stored(tmp_path: Path) -> None:
    directory = tmp_path / "cache"
    literal = tmp_path / "literal.yaml"
    literal.write_text(CONNECTOR.replace("{env: OPENAI_API_KEY}", "sk-literal-value"))
    allowed = load_manifests(
        [literal], allow_plaintext_credentials=True, cache=ManifestCache(DirectoryStore(directory))
    )
    assert allowed.ok
    refused = load_manifests([literal], cache=ManifestCache(DirectoryStore(directory)))
    assert not refused.ok
    invalid = load_manifests([INVALID], cache=ManifestCache(DirectoryStore(directory)))
    assert not invalid.ok
    assert store_files(directory) == []
    again = load_manifests([INVALID], cache=ManifestCache(DirectoryStore(directory)))
    assert again == invalid


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda text: text[: len(text) // 2], id="truncated"),
        pytest.param(lambda text: "not json at all", id="garbage"),
        pytest.param(lambda text: text.replace("OpenAI", "Hacked"), id="body-altered"),
        pytest.param(lambda text: text.replace('"key": "', '"key": "0', 1), id="other-key"),
        pytest.param(lambda text: text.replace(FORMAT, "mlgitops-manifest-cache/1"), id="older-format"),
        pytest.param(lambda text: "[" * 100_000, id="deeply-nested"),
    ],
)
def test_a_damaged_or_foreign_entry_is_ignored_and_rewritten(
    damage: object, fake_secrets: dict[str, str], stored: Stored
) -> None:
    stored.entry.write_text(damage(stored.entry.read_text()))  # type: ignore[operator]
    got = stored.load_again()
    same(stored.expected, got)
    assert got.documents[0].document.spec.name == "OpenAI"  # type: ignore[union-attr]
    assert json.loads(stored.entry.read_text().partition("\n")[0])["format"] == FORMAT


def test_a_stored_document_that_no_longer_validates_is_parsed_again(stored: Stored) -> None:
    """Even with a matching digest, what comes back from disk goes through the model again."""
    forge(
        stored.entry,
        lambda lines: [line.replace(b'"protocol":"http"', b'"protocol":"ftp"') for line in lines],
    )
    got = stored.load_again()
    assert got.documents[0].document.spec.protocol == "http"  # type: ignore[union-attr]


def test_memory_keeps_only_the_files_of_the_last_load(tree: Path, fake_secrets: dict[str, str]) -> None:
    cache = ManifestCache()
    load([tree], cache=cache)
    files = len(list(tree.glob("*.yaml")))
    assert len(cache) == files
    (tree / "warned.yaml").unlink()
    load([tree], cache=cache)
    assert len(cache) == files - 1


def test_where_the_cache_lives(tmp_path: Path) -> None:
    assert default_directory({"MLGITOPS_CACHE_DIR": str(tmp_path)}) == tmp_path / "manifests"
    assert default_directory({"MLGITOPS_CACHE_DIR": "off"}) is None
    assert default_directory({"XDG_CACHE_HOME": "/x", "HOME": "/h"}) == Path("/x/mlgitops/manifests")
    assert default_directory({"XDG_CACHE_HOME": "relative", "HOME": "/h"}) == Path(
        "/h/.cache/mlgitops/manifests"
    )
    assert default_directory({}) is None
    assert open_cache({"MLGITOPS_CACHE_DIR": "off"}).store is None


def test_forged_positions_fall_back_to_the_document_start(stored: Stored) -> None:
    forge(stored.entry, lambda lines: [*lines[:2], json.dumps([["x"], "not a mark", 5]).encode()])
    got = stored.load_again()
    assert got.ok
    document = got.documents[0]
    assert document.locate("spec.actions[0].url") == (document.line, document.column) == (1, 1)


def test_results_of_files_since_edited_are_pruned_oldest_first(tmp_path: Path) -> None:
    directory = tmp_path / "cache"
    store = DirectoryStore(directory)
    path = tmp_path / "c.yaml"
    for version in range(5):
        path.write_text(CONNECTOR.replace("name: OpenAI", f"name: OpenAI {version}"))
        load_manifests([path], cache=ManifestCache(store))
    assert len(store_files(directory)) == 5
    newest = max(store_files(directory), key=lambda entry: entry.stat().st_mtime_ns)
    store.prune(2)
    assert len(store_files(directory)) == 2
    assert newest in store_files(directory)
    assert load_manifests([path], cache=ManifestCache(store)).documents[0].document.spec.name == "OpenAI 4"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "edit",
    [
        pytest.param(in_data(b'"protocol":', b'"unknown_field":1,"protocol":'), id="field-the-model-forbids"),
        pytest.param(
            in_data(b'"credential":{"key":{"env":', b'"credential":{"key":{"x":'),
            id="credential-neither-env-nor-file",
        ),
        pytest.param(in_data(b'"name":"openai"', b'"name":"Not A Name!"'), id="name-against-its-pattern"),
        pytest.param(lambda lines: [lines[0], b'{"kind":"Connector"}', lines[2]], id="data-missing-fields"),
        pytest.param(lambda lines: [lines[0], lines[1]], id="marks-line-missing"),
    ],
)
def test_a_forged_entry_never_yields_an_unvalidated_document(
    stored: Stored, edit: Callable[[list[bytes]], list[bytes]], caplog: pytest.LogCaptureFixture
) -> None:
    """A digest anyone can recompute proves nothing: the stored data is validated again by its model."""
    caplog.set_level(logging.DEBUG, logger="mlgitops.manifests.pipeline")
    forge(stored.entry, edit)
    caplog.clear()
    got = stored.load_again()
    assert parsed(caplog) == ["c.yaml"]
    same(stored.expected, got)


def test_a_stored_kind_is_only_a_hint_the_data_decides(
    stored: Stored, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="mlgitops.manifests.pipeline")
    forge(
        stored.entry, lambda lines: [lines[0].replace(b'"kind":"Connector"', b'"kind":"Model"'), *lines[1:]]
    )
    caplog.clear()
    got = stored.load_again()
    assert parsed(caplog) == []
    same(stored.expected, got)
