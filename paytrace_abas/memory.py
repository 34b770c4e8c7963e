"""Memory housekeeping shared by the bulk steps (matching a big day, parsing a month of exports)."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for a bulk step; restore its previous state.

    Building millions of small dicts, lists and strings triggers hundreds of collections, each
    walking every live object: seconds instead of a fraction of one (bench/matching.py,
    bench/paytrace_pull.py). These objects hold no reference cycles, so nothing is missed, and
    reference counting still frees garbage meanwhile.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
