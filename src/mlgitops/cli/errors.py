"""Turn exceptions into exit codes and one-line messages: the only place that does."""

import logging
import sys
import traceback
from collections.abc import Callable

from mlgitops.errors import ManifestError, MlGitOpsError

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 64
EXIT_CHANGES = 2
EXIT_BUG = 3
EXIT_INTERRUPTED = 130

logger = logging.getLogger(__name__)


def _issue_lines(exc: MlGitOpsError) -> list[str]:
    """Every located problem of a ManifestError, each already phrased ``FILE:LINE:COL: error: …``."""
    if not isinstance(exc, ManifestError):
        return []
    return [str(issue.format()) for issue in exc.issues if hasattr(issue, "format")]


def run_guarded(command: Callable[[], int], *, show_traceback: bool = False) -> int:
    """Run ``command``; a user error prints ``error: …`` (exit 1), a bug one line (exit 3), ^C exits 130."""
    try:
        return command()
    except MlGitOpsError as exc:
        for line in _issue_lines(exc) or [f"error: {exc}"]:
            print(line, file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as exc:  # the last line of defence: one line, not a traceback
        print(f"internal error: {type(exc).__name__}: {exc} (re-run with --traceback)", file=sys.stderr)
        if show_traceback:
            traceback.print_exc()
        return EXIT_BUG
