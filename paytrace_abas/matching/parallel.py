"""Work of a big day done in a forked child process while the parent goes on with other work.

Only ``fork`` shares the prepared data with the child for free (no copy, no pickling of
inputs); the child's result comes back pickled through a pipe. A child that fails or dies
has its work done again in the parent: a bug then raises there with its own traceback, and a
killed child (out of memory) costs time, never a result.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import pickle
import sys
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Generic, TypeVar

log = logging.getLogger(__name__)

#: below this many payments a second process saves nothing (bench/README.md: about even at
#: 100,000, 5-10 % faster at 200,000, 20 % at 1,000,000)
PARALLEL_FROM = 150_000

T = TypeVar("T")


def usable_workers(wanted: int, size: int) -> int:
    """Processes for a day of ``size`` payments: as asked, at most one per usable core."""
    if size < PARALLEL_FROM or sys.platform != "linux":
        return 1
    if "fork" not in multiprocessing.get_all_start_methods():
        return 1
    return max(1, min(wanted, len(os.sched_getaffinity(0))))


class Background(Generic[T]):
    """``compute()`` in a forked child (when ``forked``), else when its result is asked for."""

    def __init__(self, compute: Callable[[], T], forked: bool) -> None:
        self._compute = compute
        self._process: multiprocessing.process.BaseProcess | None = None
        self._reader: Connection | None = None
        if forked:
            # multiprocessing flushes stdout and stderr before it forks: the child, which
            # flushes its copy of them when it ends, has nothing buffered to print twice.
            context = multiprocessing.get_context("fork")
            self._reader, writer = context.Pipe(duplex=False)
            self._process = context.Process(target=_compute_and_send, args=(writer, compute))
            self._process.daemon = True
            self._process.start()
            writer.close()

    def result(self) -> T:
        """The child's result; computed here when there is no child or it failed."""
        if self._process is None or self._reader is None:
            return self._compute()
        try:
            result: T = pickle.loads(self._reader.recv_bytes())
        except EOFError:
            self._reader.close()
            self._process.join()
            log.warning(
                "a matching worker process ended without a result (exit code %s); "
                "doing its work in the main process",
                self._process.exitcode,
            )
            return self._compute()
        self._reader.close()
        self._process.join()
        return result

    def stop(self) -> None:
        """End a child whose result is no longer wanted (the parent's own work failed)."""
        if self._process is not None and self._reader is not None and not self._reader.closed:
            self._reader.close()
            self._process.kill()
            self._process.join()


def _compute_and_send(writer: Connection, compute: Callable[[], object]) -> None:
    try:
        payload = pickle.dumps(compute(), protocol=pickle.HIGHEST_PROTOCOL)
    except BaseException:
        # No traceback here: the parent does the same work again and raises the same error.
        sys.exit(1)
    writer.send_bytes(payload)
    writer.close()
