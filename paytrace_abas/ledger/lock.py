"""The run lock: one posting run per ledger at a time, released by the kernel even on SIGKILL."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from types import TracebackType

from paytrace_abas.errors import LockedError


class RunLock:
    """An exclusive ``flock`` on ``<ledger>.lock``; the holder's pid is written into the file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._descriptor: int | None = None

    @classmethod
    def beside(cls, ledger_path: Path) -> RunLock:
        return cls(ledger_path.with_name(ledger_path.name + ".lock"))

    def acquire(self) -> None:
        """Take the lock or raise LockedError naming the lock file and the holder's pid."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(descriptor, 32, 0).decode(errors="replace").strip() or "unknown"
            # The holder wrote its pid when it took the lock: the file's mtime is since when.
            since = os.fstat(descriptor).st_mtime
            os.close(descriptor)
            error = LockedError(
                f"another run holds the lock {self.path} (pid {holder}); try again when it ends"
            )
            error.holder_pid = int(holder) if holder.isdigit() else None
            error.held_since = since
            raise error from None
        os.ftruncate(descriptor, 0)
        os.pwrite(descriptor, f"{os.getpid()}\n".encode(), 0)
        self._descriptor = descriptor

    def release(self) -> None:
        if self._descriptor is not None:
            # Leave the file in place: unlinking it would race with a waiting second run.
            os.ftruncate(self._descriptor, 0)
            fcntl.flock(self._descriptor, fcntl.LOCK_UN)
            os.close(self._descriptor)
            self._descriptor = None

    def __enter__(self) -> RunLock:
        self.acquire()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.release()
