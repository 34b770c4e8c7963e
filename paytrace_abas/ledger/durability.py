"""Group commit for the ledger: one fsync of the WAL makes many workers' commits durable.

Each state change stays its own SQLite transaction (committed with ``synchronous=NORMAL``, so
written to the WAL but not synced). A caller that needs its change on disk before it goes on
(``-> sending``, before the receipt leaves) waits here; whoever finds no sync running fsyncs the
WAL for every commit made so far, and the others ride along. That is what ``synchronous=FULL``
guarantees per commit, at a fraction of the fsyncs when several workers post at once.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path


class WalSync:
    """Tracks commits by sequence number and makes them durable in groups."""

    def __init__(self, database: Path) -> None:
        self._wal = Path(f"{database}-wal")
        self._descriptor: int | None = None
        self._condition = threading.Condition()
        self._committed = 0
        self._durable = 0
        self._syncing = False

    def committed(self) -> int:
        """Call right after a COMMIT (under the ledger lock); returns its sequence number."""
        with self._condition:
            self._committed += 1
            return self._committed

    def wait_durable(self, sequence: int) -> None:
        """Return once the commit numbered ``sequence`` (and all before it) is on disk."""
        with self._condition:
            while self._durable < sequence:
                if self._syncing:
                    self._condition.wait()
                    continue
                self._syncing = True
                target = self._committed
                self._condition.release()
                try:
                    self._fsync()
                finally:
                    self._condition.acquire()
                    self._syncing = False
                self._durable = max(self._durable, target)
                self._condition.notify_all()

    def _fsync(self) -> None:
        # fsync flushes the file (inode), whichever descriptor wrote it: SQLite's own writes
        # to the WAL are made durable through ours.
        if self._descriptor is None:
            self._descriptor = os.open(self._wal, os.O_RDONLY)
        os.fsync(self._descriptor)

    def close(self) -> None:
        if self._descriptor is not None:
            os.close(self._descriptor)
            self._descriptor = None
