"""Filesystem events: debounced batches of changed manifest files from watchfiles (the only user)."""

import logging
import threading
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from functools import partial
from pathlib import Path

import watchfiles
from watchfiles.main import FileChange

from mlgitops.errors import ConfigError
from mlgitops.model.project import PROJECT_FILE

logger = logging.getLogger(__name__)

MANIFEST_SUFFIXES = frozenset({".yaml", ".yml"})
DEFAULT_DEBOUNCE_MS = 300
# A batch is handed over once no new change arrived for this long (watchfiles' ``step``). An editor's
# save (write a temporary file, rename it over the manifest, set its attributes) or a "save all" is a
# burst within a few milliseconds, so it still arrives as one batch, and a single save is planned
# 20-40 ms after it instead of 50-100 ms. ``debounce_ms`` bounds how long a steady stream of changes
# (a checkout, a formatter) is grouped before a batch is handed over anyway.
QUIET_MS = 20
# How long watchfiles waits in Rust before handing control back when no interval is asked for.
_IDLE_TIMEOUT_MS = 5_000

Source = Callable[[threading.Event], Iterable[frozenset[Path]]]


def is_manifest_path(path: Path) -> bool:
    """True for a file whose change must trigger a new plan: YAML manifests and the project file."""
    if path.name == PROJECT_FILE:
        return True
    # Editors' lock and swap files (``.#a.yaml``, ``.a.yaml.swp``) are not manifests.
    return not path.name.startswith(".") and path.suffix.lower() in MANIFEST_SUFFIXES


def _is_manifest_change(_change: watchfiles.Change, path: str) -> bool:
    return is_manifest_path(Path(path))


def _check_exist(paths: Iterable[Path]) -> None:
    missing = [str(path) for path in paths if not path.exists()]
    if missing:
        raise ConfigError(f"cannot watch {', '.join(missing)}: no such file or directory")


def file_changes(
    paths: Sequence[Path],
    *,
    debounce_ms: int = DEFAULT_DEBOUNCE_MS,
    interval: float | None = None,
    stop_event: threading.Event | None = None,
    recursive: bool = True,
    only: frozenset[Path] | None = None,
    quiet_ms: int = QUIET_MS,
) -> Iterator[frozenset[Path]]:
    """Yield each debounced batch of changed manifest files under the directories ``paths``.

    A batch ends when no new change arrived for ``quiet_ms`` or ``debounce_ms`` after its first one.

    With ``interval`` (seconds), an empty batch is also yielded whenever that long passes without a
    change, so the caller can re-read actual state on a timer. ``only`` keeps just those files
    (absolute paths). Stops when ``stop_event`` is set; a Ctrl-C in the main thread raises
    ``KeyboardInterrupt``.

    Raises:
        ConfigError: a path to watch does not exist (raised at once, not on first iteration).
    """
    _check_exist(paths)
    timeout_ms = max(1, round(interval * 1000)) if interval is not None else _IDLE_TIMEOUT_MS
    logger.debug("watching %s (quiet %d ms, debounce %d ms)", paths, quiet_ms, debounce_ms)

    def keep(change: watchfiles.Change, path: str) -> bool:
        return _is_manifest_change(change, path) and (only is None or Path(path) in only)

    changes = watchfiles.watch(
        *paths,
        watch_filter=keep,
        debounce=debounce_ms,
        step=quiet_ms,
        stop_event=stop_event,
        rust_timeout=timeout_ms,
        yield_on_timeout=interval is not None,
        recursive=recursive,
    )
    return _batches(changes)


def _batches(changes: Generator[set[FileChange], None, None]) -> Iterator[frozenset[Path]]:
    try:
        for batch in changes:
            yield frozenset(Path(path) for _change, path in batch)
    except OSError as exc:  # e.g. the inotify watch limit, or a watched directory that went away
        raise ConfigError(f"cannot watch the manifests: {exc}") from exc
    finally:
        changes.close()


def watch_sources(
    paths: Sequence[Path], *, debounce_ms: int = DEFAULT_DEBOUNCE_MS, interval: float | None = None
) -> list[Source]:
    """One change source for the directories (recursive) and one for single files.

    A single file is watched through its directory, because editors save by writing a new file and
    renaming it over the old one, which a watch on the file itself stops seeing after the first save.
    Only the first source ticks every ``interval`` seconds.

    Raises:
        ConfigError: a path does not exist.
    """
    _check_exist(paths)
    directories = sorted({path.resolve() for path in paths if path.is_dir()})
    files = frozenset(path.resolve() for path in paths if not path.is_dir())
    sources: list[Source] = []
    if directories:
        sources.append(partial(_source, directories, debounce_ms, interval, True, None))
    if files:
        parents = sorted({path.parent for path in files})
        ticks = None if directories else interval
        sources.append(partial(_source, parents, debounce_ms, ticks, False, files))
    return sources


def _source(
    paths: list[Path],
    debounce_ms: int,
    interval: float | None,
    recursive: bool,
    only: frozenset[Path] | None,
    stop_event: threading.Event,
) -> Iterator[frozenset[Path]]:
    return file_changes(
        paths,
        debounce_ms=debounce_ms,
        interval=interval,
        stop_event=stop_event,
        recursive=recursive,
        only=only,
    )
