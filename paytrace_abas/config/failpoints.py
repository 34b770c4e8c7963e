"""Fail points: a test facility that makes the process SIGKILL itself at a named point.

``PAYTRACE_ABAS_FAILPOINT=posting.after_send:7`` kills the process the 7th time posting reaches
``posting.after_send`` (docs/posting.md, "Fail points"). The crash tests arm one per trial so
that every trial dies exactly where it is meant to, whatever the machine's speed. The command line
reads the variable once at start-up and calls :func:`arm`; unset, :func:`reached` is one
comparison and returns.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass

from paytrace_abas.errors import ConfigError

FAILPOINT_ENV_VAR = "PAYTRACE_ABAS_FAILPOINT"

#: every point the code reaches, in posting order
POINTS = (
    "posting.before_send",  # the receipt is durably `sending`, nothing sent yet
    "posting.after_send",  # the sink accepted the receipt; the ledger still says `sending`
    "posting.after_failure",  # a send failed (timeout, error) and `failed` is recorded
    "posting.after_record",  # the ledger says `posted`
    "import_file.mid_line",  # half of the receipt's text written: a torn line
    "import_file.after_line",  # the receipt's first line written whole, not yet fsynced
    "import_file.after_fsync",  # the receipt's lines written and fsynced
    "customers.before_send",  # a new customer is durably `sending`, nothing sent yet
    "customers.after_send",  # abas (or the import file) holds the customer; the ledger not yet
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FailPoint:
    """Kill the process on the ``hit``-th time ``name`` is reached."""

    name: str
    hit: int


def parse_fail_point(text: str) -> FailPoint:
    """``NAME:N`` (or ``NAME``, meaning the first hit); ConfigError naming the variable."""
    name, _, count = text.strip().partition(":")
    if name not in POINTS:
        raise ConfigError(
            f"{FAILPOINT_ENV_VAR}: {name!r} is not a fail point (known: {', '.join(POINTS)})"
        )
    if not count:
        return FailPoint(name, 1)
    if not count.isdigit() or int(count) < 1:
        raise ConfigError(f"{FAILPOINT_ENV_VAR}: {count!r} after {name}: is not a count >= 1")
    return FailPoint(name, int(count))


class _Armed:
    """The one armed point and how often it was reached (workers reach it from threads)."""

    def __init__(self) -> None:
        self.point: FailPoint | None = None
        self.hits = 0
        self.lock = threading.Lock()


_ARMED = _Armed()


def arm(point: FailPoint | None) -> None:
    """Arm ``point`` for this process (None disarms); called once, by the command line."""
    with _ARMED.lock:
        _ARMED.point, _ARMED.hits = point, 0


def reached(name: str, before_dying: Callable[[], object] | None = None) -> None:
    """Die here by SIGKILL when ``name`` is armed and this is its chosen hit.

    ``before_dying`` leaves the state the point stands for (a half-written line) first.
    """
    point = _ARMED.point
    if point is None or point.name != name:
        return
    with _ARMED.lock:
        _ARMED.hits += 1
        if _ARMED.hits != point.hit:
            return
        if before_dying is not None:
            before_dying()
        # The marker the crash tests read to know where the process died.
        log.critical("fail point %s reached (hit %d): killing the process", name, point.hit)
        os.kill(os.getpid(), signal.SIGKILL)
