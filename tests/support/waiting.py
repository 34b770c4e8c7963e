"""The one way tests wait: poll a condition until it holds or a deadline passes.

No test sleeps for a fixed time and then counts what happened; a slow machine only makes
``wait_until`` take longer, never makes a test fail.
"""

from __future__ import annotations

import time
from collections.abc import Callable

#: generous: a machine shared by many busy processes can be very slow, and a wait that
#: succeeds returns as soon as its condition holds
DEADLINE_SECONDS = 120.0


def wait_until(
    condition: Callable[[], object], what: str, timeout: float = DEADLINE_SECONDS
) -> None:
    """Return once ``condition()`` is true; fail naming ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"gave up after {timeout:g} s waiting for {what}"
        time.sleep(0.002)
