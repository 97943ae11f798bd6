"""Pausing Python's cyclic garbage collector around bulk work that builds many objects and no cycles.

Loading 10,000 documents allocates millions of small dicts, lists and strings, none in reference
cycles; with other data alive, the collector rescans the whole heap again and again meanwhile (about
40% of the time). Reference counting still frees everything; cycles made meanwhile wait for the
collector's next pass after the block.
"""

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Run the block with the cyclic collector off; it is back on (if it was) however the block ends."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
