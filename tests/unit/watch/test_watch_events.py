"""file_changes on a real directory: manifest files only, timer ticks, stop event, missing paths."""

import queue
import threading
import time
from collections.abc import Generator, Iterator
from pathlib import Path

import pytest
from watchfiles.main import FileChange

from mlgitops.errors import ConfigError
from mlgitops.watch import ChangeFeed, events, file_changes, is_manifest_path, watch_sources

CAP_SECONDS = 15


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("a.yaml", True),
        ("b.YML", True),
        ("mlgitops.yaml", True),
        ("notes.txt", False),
        ("a.yaml.swp", False),
        (".#a.yaml", False),
        ("a.yaml~", False),
        ("state.sqlite", False),
    ],
)
def test_is_manifest_path(name: str, expected: bool) -> None:
    assert is_manifest_path(Path("manifests") / name) is expected


class Watcher:
    """Runs file_changes in a thread and hands its batches over a queue."""

    def __init__(self, paths: list[Path], **options: object) -> None:
        self.stop = threading.Event()
        self.batches: queue.Queue[frozenset[Path]] = queue.Queue()
        self.thread = threading.Thread(target=self._run, args=(paths, options), daemon=True)
        self.thread.start()

    def _run(self, paths: list[Path], options: dict[str, object]) -> None:
        for batch in file_changes(paths, stop_event=self.stop, **options):  # type: ignore[arg-type]
            self.batches.put(batch)

    def close(self) -> None:
        self.stop.set()
        self.thread.join(CAP_SECONDS)
        assert not self.thread.is_alive()


@pytest.fixture
def watcher(tmp_path: Path) -> Iterator[Watcher]:
    w = Watcher([tmp_path], debounce_ms=20)
    yield w
    w.close()


def write_until_seen(w: Watcher, path: Path, noise: Path) -> frozenset[Path]:
    """The watcher starts asynchronously: keep saving until a batch arrives (bounded)."""
    for attempt in range(CAP_SECONDS * 4):
        noise.write_text(f"noise {attempt}\n")
        path.write_text(f"kind: Model # {attempt}\n")
        try:
            return w.batches.get(timeout=0.25)
        except queue.Empty:
            continue
    raise AssertionError("no change reported")


def test_reports_manifest_changes_only(watcher: Watcher, tmp_path: Path) -> None:
    sub = tmp_path / "models"
    sub.mkdir()
    batch = write_until_seen(watcher, sub / "chat.yaml", tmp_path / "notes.txt")
    assert batch == {sub / "chat.yaml"}


def test_interval_yields_empty_batches_when_quiet(tmp_path: Path) -> None:
    w = Watcher([tmp_path], debounce_ms=20, interval=0.05)
    try:
        assert w.batches.get(timeout=CAP_SECONDS) == frozenset()
    finally:
        w.close()


def test_stop_event_ends_the_iteration(tmp_path: Path) -> None:
    w = Watcher([tmp_path])
    w.close()  # asserts the thread ended


def test_missing_path_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"cannot watch .*nope: no such file or directory"):
        file_changes([tmp_path / "nope"])


def saved_until_seen(feed_iter: Iterator[frozenset[Path]], path: Path, attempt_text: str) -> frozenset[Path]:
    """Save ``path`` the way editors do (write a new file, rename it over) until a batch arrives."""
    batches: queue.Queue[frozenset[Path]] = queue.Queue()

    def take() -> None:
        batches.put(next(feed_iter))

    threading.Thread(target=take, daemon=True).start()
    for attempt in range(CAP_SECONDS * 4):
        fresh = path.with_name(f"tmp-{attempt}.txt")
        fresh.write_text(f"{attempt_text} {attempt}\n")
        fresh.replace(path)
        try:
            return batches.get(timeout=0.25)
        except queue.Empty:
            continue
    raise AssertionError(f"no change reported for {path}")


def test_a_single_file_is_still_watched_after_atomic_saves(tmp_path: Path) -> None:
    project = tmp_path / "mlgitops.yaml"
    project.write_text("vars: {}\n")
    (tmp_path / "other.yaml").write_text("x: 1\n")
    (sources,) = [watch_sources([project], debounce_ms=20)]
    assert len(sources) == 1
    with ChangeFeed(*sources) as feed:
        changes = iter(feed)
        for round_ in range(3):
            assert saved_until_seen(changes, project, f"round {round_}") == {project.resolve()}


def test_directories_and_files_get_one_source_each(tmp_path: Path) -> None:
    (tmp_path / "manifests").mkdir()
    (tmp_path / "mlgitops.yaml").write_text("")
    assert len(watch_sources([tmp_path / "manifests", tmp_path / "mlgitops.yaml"])) == 2
    with pytest.raises(ConfigError, match="cannot watch"):
        watch_sources([tmp_path / "missing"])


def test_watcher_os_errors_become_config_errors(tmp_path: Path) -> None:
    """A watched directory that cannot be read is a clear one-line error, not a traceback."""

    def broken() -> Generator[set[FileChange], None, None]:
        yield from ()
        raise PermissionError(13, "Permission denied", str(tmp_path))

    with pytest.raises(ConfigError, match=r"cannot watch the manifests: .*Permission denied"):
        list(events._batches(broken()))


def quiet_after(w: Watcher, seconds: float = 0.5) -> None:
    """Take batches until none arrives for ``seconds`` (bounded)."""
    for _ in range(CAP_SECONDS * 4):
        try:
            w.batches.get(timeout=seconds)
        except queue.Empty:
            return
    raise AssertionError("the watcher never went quiet")


def save_like_an_editor(path: Path, text: str) -> None:
    """Write a hidden temporary file beside ``path``, rename it over, then set its mode."""
    fresh = path.with_name(f".{path.name}.tmp")
    fresh.write_text(text)
    fresh.replace(path)
    path.chmod(0o644)


def test_a_burst_of_saves_is_one_batch(tmp_path: Path) -> None:
    """Saving several manifests at once (an editor's "save all", a few ms apart) is one batch: one plan."""
    files = [tmp_path / f"model-{n}.yaml" for n in range(6)]
    w = Watcher([tmp_path])  # the default quiet time and debounce
    try:
        write_until_seen(w, tmp_path / "warm-up.yaml", tmp_path / "notes.txt")
        for round_ in range(3):
            quiet_after(w)
            for path in files:
                save_like_an_editor(path, f"kind: Model # round {round_}\n")
                time.sleep(0.002)
            assert w.batches.get(timeout=CAP_SECONDS) == frozenset(files)
        quiet_after(w)
    finally:
        w.close()


def test_a_steady_stream_of_changes_is_cut_at_the_debounce(tmp_path: Path) -> None:
    """Changes that never pause still give a batch within ``debounce_ms``, not only when they stop."""
    w = Watcher([tmp_path], debounce_ms=100)
    stop = threading.Event()

    def keep_saving() -> None:
        for n in range(10_000):
            if stop.wait(0.005):
                return
            (tmp_path / f"stream-{n}.yaml").write_text("kind: Model\n")

    writer = threading.Thread(target=keep_saving, daemon=True)
    try:
        write_until_seen(w, tmp_path / "warm-up.yaml", tmp_path / "notes.txt")
        writer.start()
        assert w.batches.get(timeout=CAP_SECONDS)
        assert w.batches.get(timeout=CAP_SECONDS)
        assert writer.is_alive()  # both batches came while the stream went on
    finally:
        stop.set()
        writer.join(CAP_SECONDS)
        w.close()
