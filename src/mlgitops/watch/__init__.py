"""Watch mode: re-plan (and optionally apply) whenever the manifests change or a timer ticks."""

from mlgitops.watch.events import (
    DEFAULT_DEBOUNCE_MS,
    QUIET_MS,
    Source,
    file_changes,
    is_manifest_path,
    watch_sources,
)
from mlgitops.watch.feed import ChangeFeed
from mlgitops.watch.interrupts import InterruptGuard
from mlgitops.watch.loop import (
    ApplyStep,
    OnChange,
    PlanStep,
    PlanView,
    Trigger,
    WatchReport,
    describe,
    make_pass,
    render_error,
    run_pass,
    run_watch,
)
from mlgitops.watch.notices import HeldWarnings

__all__ = [
    "DEFAULT_DEBOUNCE_MS",
    "QUIET_MS",
    "ApplyStep",
    "ChangeFeed",
    "HeldWarnings",
    "InterruptGuard",
    "OnChange",
    "PlanStep",
    "PlanView",
    "Source",
    "Trigger",
    "WatchReport",
    "describe",
    "file_changes",
    "is_manifest_path",
    "make_pass",
    "render_error",
    "run_pass",
    "run_watch",
    "watch_sources",
]
