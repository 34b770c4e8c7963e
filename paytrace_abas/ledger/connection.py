"""The ledger's SQLite connection: opening, migrations and short transactions.

The record kinds use it (``runs.py``, ``postings.py``, ``decisions.py``); ``store.Ledger`` owns
one and hands it to them.
"""

from __future__ import annotations

import datetime as dt
import logging
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Self

from paytrace_abas.errors import LedgerError
from paytrace_abas.ledger import schema
from paytrace_abas.ledger.durability import WalSync
from paytrace_abas.ledger.records import create_private

log = logging.getLogger(__name__)


def _log_timing(what: str, started: float, rows: int | None = None) -> None:
    """-vv: how long a ledger query or transaction took (its SQL, never its parameters)."""
    if log.isEnabledFor(logging.DEBUG):
        elapsed_ms = (time.perf_counter() - started) * 1000
        counted = "" if rows is None else f", {rows} rows"
        log.debug("ledger %.2f ms%s: %s", elapsed_ms, counted, " ".join(what.split())[:120])


class LedgerConnection:
    """One connection per ledger, shared by the posting workers behind a lock."""

    def __init__(
        self, connection: sqlite3.Connection, path: Path, clock: Callable[[], dt.datetime]
    ):
        self._db = connection
        self.path = path
        self._clock = clock
        self._lock = threading.RLock()
        self._wal_sync = WalSync(path)
        self._last_commit = 0

    @classmethod
    def open(cls, path: Path, clock: Callable[[], dt.datetime]) -> Self:
        """Open (creating with mode 0600) and migrate the ledger at ``path``."""
        create_private(path)
        try:
            connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
            connection.execute("PRAGMA journal_mode=WAL")
            # Most changes may be lost with the machine's power and still be recovered: a lost
            # "posted" falls back to "sending", and abas is asked. Only "-> sending" must be on
            # disk before the send; transition() syncs the WAL for it, in groups (WalSync).
            # NORMAL in WAL mode never corrupts the file.
            connection.execute("PRAGMA synchronous=NORMAL")
            connection.execute("PRAGMA foreign_keys=ON")
            connection.execute("PRAGMA busy_timeout=10000")
        except sqlite3.Error as exc:
            raise LedgerError(f"ledger {path} cannot be opened: {exc}") from None
        opened = cls(connection, path, clock)
        opened._migrate()
        return opened

    def close(self) -> None:
        with self._lock:
            self._db.close()
            self._wal_sync.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One short transaction; the WAL is synced later, see ``postings.transition``."""
        with self._lock:
            started = time.perf_counter()
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")
            self._last_commit = self._wal_sync.committed()
            _log_timing("transaction", started)

    def query(self, sql: str, params: Iterable[Any] = ()) -> list[sqlite3.Row]:
        with self._lock:
            started = time.perf_counter()
            cursor = self._db.execute(sql, tuple(params))
            cursor.row_factory = sqlite3.Row
            rows = list(cursor.fetchall())
            _log_timing(sql, started, len(rows))
            return rows

    def now(self) -> str:
        return self._clock().astimezone(dt.UTC).isoformat(timespec="milliseconds")

    def schema_version(self) -> int:
        rows = self.query("SELECT MAX(version) AS v FROM schema_version")
        return int(rows[0]["v"] or 0)

    def _migrate(self) -> None:
        with self.transaction() as db:
            db.execute(
                "CREATE TABLE IF NOT EXISTS schema_version "
                "(version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)"
            )
        current = self.schema_version()
        newest = max(version for version, _ in schema.MIGRATIONS)
        if current > newest:
            raise LedgerError(
                f"ledger {self.path} has schema version {current}, newer than this program "
                f"knows ({newest}); upgrade paytrace-abas"
            )
        for version, statements in schema.MIGRATIONS:
            if version <= current:
                continue
            with self.transaction() as db:
                for statement in statements:
                    db.execute(statement)
                db.execute("INSERT INTO schema_version VALUES (?, ?)", (version, self.now()))
            log.info("ledger %s migrated to schema version %d", self.path, version)

    def probe_write(self) -> None:
        """Raise LedgerError unless the ledger takes a write (rolled back, nothing changes)."""
        try:
            with self._lock:
                self._db.execute("BEGIN IMMEDIATE")
                try:
                    self._db.execute("INSERT INTO schema_version VALUES (-1, 'write probe')")
                finally:
                    self._db.execute("ROLLBACK")
        except sqlite3.Error as exc:
            raise LedgerError(f"ledger {self.path} does not take writes: {exc}") from None

    def journal_mode(self) -> str:
        return str(self.query("PRAGMA journal_mode")[0][0])

    def next_commit(self) -> int:
        """Inside :meth:`transaction`: the number its COMMIT will get, for :meth:`wait_durable`."""
        return self._last_commit + 1

    def wait_durable(self, sequence: int) -> None:
        """Return once the commit numbered ``sequence`` is on disk (the WAL synced)."""
        self._wal_sync.wait_durable(sequence)

    def sync(self) -> None:
        """Make every change committed so far durable."""
        with self._lock:
            sequence = self._last_commit
        self._wal_sync.wait_durable(sequence)
