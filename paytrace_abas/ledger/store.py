"""The ledger store (SQLite): runs, the posting state machine, watermarks, exceptions.

One connection per ledger, shared by the posting workers behind a lock: every state change is
its own short ``BEGIN IMMEDIATE … COMMIT``, so a crash loses at most the change in flight.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from paytrace_abas.errors import PaytraceAbasError
from paytrace_abas.ledger.durability import WalSync
from paytrace_abas.ledger.records import (
    PLANNED,
    SENDING,
    TRANSITIONS,
    LedgerError,
    PostingRecord,
    RunRecord,
    create_private,
    posting_record,
    record_event,
    run_record,
    track_dead_letter,
)
from paytrace_abas.ledger.schema import MIGRATIONS
from paytrace_abas.models import Receipt

log = logging.getLogger(__name__)


class StateError(PaytraceAbasError):
    """A posting was asked to make a transition the state machine does not allow (a bug)."""


class Ledger:
    """The SQLite ledger; open with :meth:`open`, use as a context manager."""

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
    def open(cls, path: Path, clock: Callable[[], dt.datetime]) -> Ledger:
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
        ledger = cls(connection, path, clock)
        ledger._migrate()
        return ledger

    def close(self) -> None:
        with self._lock:
            self._db.close()
            self._wal_sync.close()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- plumbing ---------------------------------------------------------------------------

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """One short transaction; the WAL is synced later, see :meth:`transition`."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")
            self._last_commit = self._wal_sync.committed()

    def _query(self, sql: str, params: Iterable[Any] = ()) -> list[sqlite3.Row]:
        with self._lock:
            cursor = self._db.execute(sql, tuple(params))
            cursor.row_factory = sqlite3.Row
            return list(cursor.fetchall())

    def _now(self) -> str:
        return self._clock().astimezone(dt.UTC).isoformat(timespec="milliseconds")

    def schema_version(self) -> int:
        rows = self._query("SELECT MAX(version) AS v FROM schema_version")
        return int(rows[0]["v"] or 0)

    def _migrate(self) -> None:
        with self._transaction() as db:
            db.execute(
                "CREATE TABLE IF NOT EXISTS schema_version "
                "(version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)"
            )
        current = self.schema_version()
        newest = max(version for version, _ in MIGRATIONS)
        if current > newest:
            raise LedgerError(
                f"ledger {self.path} has schema version {current}, newer than this program "
                f"knows ({newest}); upgrade paytrace-abas"
            )
        for version, statements in MIGRATIONS:
            if version <= current:
                continue
            with self._transaction() as db:
                for statement in statements:
                    db.execute(statement)
                db.execute("INSERT INTO schema_version VALUES (?, ?)", (version, self._now()))
            log.info("ledger %s migrated to schema version %d", self.path, version)

    def journal_mode(self) -> str:
        return str(self._query("PRAGMA journal_mode")[0][0])

    # -- runs -------------------------------------------------------------------------------

    def start_run(
        self,
        base_id: str,
        command: str,
        window: tuple[str, str] | None,
        dry_run: bool,
        parameters: dict[str, Any],
    ) -> str:
        """Record a started run; the id gets a ``-2``, ``-3`` … suffix if ``base_id`` is taken."""
        with self._transaction() as db:
            taken = {
                row[0]
                for row in db.execute(
                    "SELECT run_id FROM runs WHERE run_id = ? OR run_id LIKE ?",
                    (base_id, base_id + "-%"),
                )
            }
            run_id, number = base_id, 1
            while run_id in taken:
                number += 1
                run_id = f"{base_id}-{number}"
            db.execute(
                "INSERT INTO runs (run_id, command, started_at, window_from, window_to, dry_run,"
                " parameters, status, pid) VALUES (?, ?, ?, ?, ?, ?, ?, 'running', ?)",
                (
                    run_id,
                    command,
                    self._now(),
                    window[0] if window else None,
                    window[1] if window else None,
                    int(dry_run),
                    json.dumps(parameters, sort_keys=True),
                    os.getpid(),
                ),
            )
        return run_id

    def finish_run(
        self,
        run_id: str,
        exit_code: int,
        counts: dict[str, Any],
        input_hash: str | None = None,
        workbook_path: Path | None = None,
        plan_path: Path | None = None,
    ) -> None:
        """Close a run: ``completed`` unless ``exit_code`` says it failed (1, 2)."""
        status = "failed" if exit_code in (1, 2) else "completed"
        with self._transaction() as db:
            db.execute(
                "UPDATE runs SET finished_at = ?, status = ?, exit_code = ?, counts = ?,"
                " input_hash = COALESCE(?, input_hash), workbook_path = COALESCE(?, workbook_path),"
                " plan_path = COALESCE(?, plan_path) WHERE run_id = ?",
                (
                    self._now(),
                    status,
                    exit_code,
                    json.dumps(counts, sort_keys=True),
                    input_hash,
                    str(workbook_path) if workbook_path else None,
                    str(plan_path) if plan_path else None,
                    run_id,
                ),
            )

    def runs(self, limit: int = 50) -> list[RunRecord]:
        """The newest runs first."""
        rows = self._query(
            "SELECT * FROM runs ORDER BY started_at DESC, rowid DESC LIMIT ?", [limit]
        )
        return [run_record(row) for row in rows]

    def run(self, run_id: str) -> RunRecord | None:
        rows = self._query("SELECT * FROM runs WHERE run_id = ?", [run_id])
        return run_record(rows[0]) if rows else None

    # -- postings ---------------------------------------------------------------------------

    def record_planned(self, run_id: str, receipts: Iterable[Receipt]) -> list[str]:
        """Insert receipts as ``planned``; ones the ledger already knows keep their state.

        Returns the transaction ids that were new.
        """
        new: list[str] = []
        now = self._now()
        with self._transaction() as db:
            for receipt in receipts:
                inserted = db.execute(
                    "INSERT OR IGNORE INTO postings (transaction_id, run_id, customer_no, currency,"
                    " paid_on, account, amount_cents, discount_cents, state, attempts, created_at,"
                    " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'planned', 0, ?, ?)",
                    (
                        receipt.transaction_id,
                        run_id,
                        receipt.customer_no,
                        receipt.currency,
                        receipt.paid_on.isoformat(),
                        receipt.account,
                        receipt.amount_cents,
                        receipt.discount_cents,
                        now,
                        now,
                    ),
                ).rowcount
                if not inserted:
                    continue
                new.append(receipt.transaction_id)
                db.executemany(
                    "INSERT INTO posting_lines (transaction_id, invoice_no, amount_cents,"
                    " discount_cents, open_cents) VALUES (?, ?, ?, ?, ?)",
                    [
                        (
                            receipt.transaction_id,
                            line.invoice_no,
                            line.amount_cents,
                            line.discount_cents,
                            line.open_cents,
                        )
                        for line in receipt.lines
                    ],
                )
                record_event(db, receipt.transaction_id, run_id, None, PLANNED, None, now)
        return new

    def transition(
        self,
        transaction_id: str,
        run_id: str,
        to_state: str,
        error: str | None = None,
        document: str | None = None,
        wait_durable: bool = True,
    ) -> None:
        """Move one posting to ``to_state`` in its own transaction; ``-> sending`` counts a try.

        ``-> sending`` is on disk before this returns (the WAL is fsynced, shared with other
        workers' commits): no receipt leaves before its mark is durable. A caller marking
        several receipts at once passes ``wait_durable=False`` and calls :meth:`sync` before
        sending any of them.
        """
        now = self._now()
        with self._transaction() as db:
            row = db.execute(
                "SELECT state FROM postings WHERE transaction_id = ?", (transaction_id,)
            ).fetchone()
            if row is None:
                raise StateError(f"transaction {transaction_id} is not in the ledger")
            from_state = str(row[0])
            if to_state not in TRANSITIONS[from_state]:
                raise StateError(
                    f"transaction {transaction_id}: {from_state} -> {to_state} is not allowed"
                )
            db.execute(
                "UPDATE postings SET state = ?, updated_at = ?,"
                " attempts = attempts + ?, last_error = COALESCE(?, last_error),"
                " document = COALESCE(?, document) WHERE transaction_id = ?",
                (to_state, now, int(to_state == SENDING), error, document, transaction_id),
            )
            record_event(db, transaction_id, run_id, from_state, to_state, error or document, now)
            track_dead_letter(db, transaction_id, run_id, from_state, to_state, error, now)
            sequence = self._last_commit + 1  # the number this transaction's COMMIT will get
        if to_state == SENDING and wait_durable:
            self._wal_sync.wait_durable(sequence)

    def sync(self) -> None:
        """Make every change committed so far durable (after ``wait_durable=False`` marks)."""
        with self._lock:
            sequence = self._last_commit
        self._wal_sync.wait_durable(sequence)

    def posting(self, transaction_id: str) -> PostingRecord | None:
        found = self._postings("WHERE p.transaction_id = ?", [transaction_id])
        return found[0] if found else None

    def postings_in_state(self, *states: str) -> list[PostingRecord]:
        marks = ", ".join("?" for _ in states)
        return self._postings(f"WHERE p.state IN ({marks})", states)

    def postings_of_run(self, run_id: str) -> list[PostingRecord]:
        """Postings a run planned, or whose state it changed."""
        return self._postings(
            "WHERE p.run_id = ? OR p.transaction_id IN"
            " (SELECT transaction_id FROM posting_events WHERE run_id = ?)",
            [run_id, run_id],
        )

    def _postings(self, where: str, params: Iterable[Any]) -> list[PostingRecord]:
        rows = self._query(
            "SELECT p.*, l.invoice_no, l.amount_cents AS line_amount,"
            " l.discount_cents AS line_discount, l.open_cents AS line_open"
            f" FROM postings p JOIN posting_lines l USING (transaction_id) {where}"
            " ORDER BY p.created_at, p.transaction_id, l.rowid",
            params,
        )
        grouped: dict[str, list[sqlite3.Row]] = {}
        for row in rows:
            grouped.setdefault(str(row["transaction_id"]), []).append(row)
        return [posting_record(lines) for lines in grouped.values()]

    def posted_documents(self) -> dict[str, str]:
        """transaction_id -> abas document of every posted receipt."""
        rows = self._query("SELECT transaction_id, document FROM postings WHERE state = 'posted'")
        return {str(r[0]): str(r[1] or "") for r in rows}

    def invoice_payers(self) -> dict[str, tuple[str, str]]:
        """invoice_no -> (transaction_id, state) of every receipt the ledger holds."""
        rows = self._query(
            "SELECT l.invoice_no, p.transaction_id, p.state"
            " FROM posting_lines l JOIN postings p USING (transaction_id)"
        )
        return {str(r[0]): (str(r[1]), str(r[2])) for r in rows}

    def count_in_state(self, state: str) -> int:
        return int(self._query("SELECT COUNT(*) FROM postings WHERE state = ?", [state])[0][0])

    def events(self, transaction_id: str) -> list[tuple[str | None, str, str]]:
        """(from, to, run_id) of every state change of one posting, oldest first."""
        rows = self._query(
            "SELECT from_state, to_state, run_id FROM posting_events"
            " WHERE transaction_id = ? ORDER BY id",
            [transaction_id],
        )
        return [(r[0], str(r[1]), str(r[2])) for r in rows]

    def open_dead_letters(self) -> list[tuple[str, str, str, int]]:
        """(transaction_id, run_id, error, attempts) of dead letters not yet resolved."""
        rows = self._query(
            "SELECT transaction_id, run_id, error, attempts FROM dead_letters"
            " WHERE resolved_at IS NULL ORDER BY id"
        )
        return [(str(r[0]), str(r[1]), str(r[2]), int(r[3])) for r in rows]

    # -- watermarks and carried-forward exceptions ------------------------------------------

    def watermark(self, name: str = "completed_through") -> dt.date | None:
        rows = self._query("SELECT day FROM watermarks WHERE name = ?", [name])
        return dt.date.fromisoformat(str(rows[0][0])) if rows else None

    def advance_watermark(self, day: dt.date, run_id: str, name: str = "completed_through") -> None:
        """Move the watermark forward to ``day``; it never moves back."""
        with self._transaction() as db:
            db.execute(
                "INSERT INTO watermarks (name, day, run_id, updated_at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT(name) DO UPDATE SET day = excluded.day, run_id = excluded.run_id,"
                " updated_at = excluded.updated_at WHERE excluded.day > watermarks.day",
                (name, day.isoformat(), run_id, self._now()),
            )

    def carry_exceptions(
        self, run_id: str, exceptions: Iterable[tuple[str, str, str, int]], resolved: Iterable[str]
    ) -> None:
        """Remember (transaction_id, category, reason, amount) a clerk must see; close resolved."""
        with self._transaction() as db:
            db.executemany(
                "INSERT INTO exceptions (transaction_id, category, reason, amount_cents,"
                " first_run_id, last_run_id) VALUES (?, ?, ?, ?, ?, ?)"
                " ON CONFLICT(transaction_id) DO UPDATE SET category = excluded.category,"
                " reason = excluded.reason, last_run_id = excluded.last_run_id,"
                " resolved_run_id = NULL",
                [(tid, cat, why, cents, run_id, run_id) for tid, cat, why, cents in exceptions],
            )
            db.executemany(
                "UPDATE exceptions SET resolved_run_id = ? WHERE transaction_id = ?"
                " AND resolved_run_id IS NULL",
                [(run_id, tid) for tid in resolved],
            )

    def open_exceptions(self) -> list[tuple[str, str, str, str]]:
        """(transaction_id, category, first_run_id, reason) still waiting for a clerk."""
        rows = self._query(
            "SELECT transaction_id, category, first_run_id, reason FROM exceptions"
            " WHERE resolved_run_id IS NULL ORDER BY first_run_id, transaction_id"
        )
        return [(str(r[0]), str(r[1]), str(r[2]), str(r[3])) for r in rows]
