"""What waits for a clerk and what clerks decided: carried-forward exceptions, the decisions
``apply`` accepted, and the write-offs to book by hand."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterable

from paytrace_abas.ledger.connection import LedgerConnection
from paytrace_abas.ledger.records import AppliedDecision, ClerkDecision, SupersededDecision
from paytrace_abas.models import ManualBooking
from paytrace_abas.privacy import mask_pans


def carry_exceptions(
    connection: LedgerConnection,
    run_id: str,
    exceptions: Iterable[tuple[str, str, str, int]],
    resolved: Iterable[str],
    reopen: bool = True,
) -> None:
    """Remember (transaction_id, category, reason, amount) a clerk must see; close resolved.

    A transaction a clerk has decided (``apply``) is not carried again. Without ``reopen``
    one the ledger knows already is left as it is (``apply`` carrying an older dry run's).
    """
    on_conflict = (
        "DO UPDATE SET category = excluded.category, reason = excluded.reason,"
        " last_run_id = excluded.last_run_id, resolved_run_id = NULL"
        if reopen
        else "DO NOTHING"
    )
    with connection.transaction() as db:
        db.executemany(
            "INSERT INTO exceptions (transaction_id, category, reason, amount_cents,"
            " first_run_id, last_run_id) SELECT ?, ?, ?, ?, ?, ?"
            " WHERE NOT EXISTS (SELECT 1 FROM decisions WHERE transaction_id = ?)"
            f" ON CONFLICT(transaction_id) {on_conflict}",
            [
                (tid, cat, mask_pans(why), cents, run_id, run_id, tid)
                for tid, cat, why, cents in exceptions
            ],
        )
        db.executemany(
            "UPDATE exceptions SET resolved_run_id = ? WHERE transaction_id = ?"
            " AND resolved_run_id IS NULL",
            [(run_id, tid) for tid in resolved],
        )


def open_exception_count(connection: LedgerConnection) -> int:
    """How many exceptions still wait for a clerk (read from their partial index)."""
    rows = connection.query(
        "SELECT COUNT(*) FROM exceptions INDEXED BY exceptions_open WHERE resolved_run_id IS NULL"
    )
    return int(rows[0][0])


def open_exceptions(connection: LedgerConnection) -> list[tuple[str, str, str, str]]:
    """(transaction_id, category, first_run_id, reason) still waiting for a clerk."""
    rows = connection.query(
        "SELECT transaction_id, category, first_run_id, reason FROM exceptions"
        " INDEXED BY exceptions_open WHERE resolved_run_id IS NULL"
        " ORDER BY first_run_id, transaction_id"
    )
    return [(str(r[0]), str(r[1]), str(r[2]), str(r[3])) for r in rows]


def record_decisions(
    connection: LedgerConnection,
    run_id: str,
    plan_run_id: str,
    decisions: Iterable[ClerkDecision],
    bookings: Iterable[ManualBooking],
) -> None:
    """Keep decisions ``apply`` accepted and the write-offs to book by hand, together.

    A decision that ``revises`` the one in the ledger moves that one (and its write-off) to
    ``superseded_decisions`` in the same transaction, so a crash keeps either both or neither.
    """
    now = connection.now()
    decisions = list(decisions)
    with connection.transaction() as db:
        for decision in decisions:
            if decision.revises:
                _supersede(db, decision.transaction_id, decision.revises, run_id, now)
        db.executemany(
            "INSERT OR IGNORE INTO decisions (transaction_id, run_id, plan_run_id, action,"
            " resolution, note, place, applied_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    d.transaction_id,
                    run_id,
                    plan_run_id,
                    d.action,
                    mask_pans(d.resolution),
                    mask_pans(d.note),
                    d.where,
                    now,
                )
                for d in decisions
            ],
        )
        db.executemany(
            "INSERT OR IGNORE INTO manual_bookings (transaction_id, run_id, counter_account,"
            " gl_account, customer_no, amount_cents, currency, paid_on, note, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    b.transaction_id,
                    run_id,
                    b.counter_account,
                    b.gl_account,
                    b.customer_no,
                    b.amount_cents,
                    b.currency,
                    b.paid_on.isoformat(),
                    mask_pans(b.note),
                    now,
                )
                for b in bookings
            ],
        )


def _supersede(
    db: sqlite3.Connection, transaction_id: str, resolution: str, run_id: str, now: str
) -> None:
    """Move the applied decision ``resolution`` of a transaction (if it is still the one in
    the ledger) and its write-off to ``superseded_decisions``."""
    db.execute(
        "INSERT INTO superseded_decisions (transaction_id, run_id, plan_run_id, action,"
        " resolution, note, place, applied_at, manual_booking, superseded_run_id, superseded_at)"
        " SELECT d.transaction_id, d.run_id, d.plan_run_id, d.action, d.resolution, d.note,"
        " d.place, d.applied_at, (SELECT json_object('run_id', b.run_id, 'counter_account',"
        " b.counter_account, 'gl_account', b.gl_account, 'amount_cents', b.amount_cents,"
        " 'currency', b.currency, 'paid_on', b.paid_on, 'note', b.note)"
        " FROM manual_bookings b WHERE b.transaction_id = d.transaction_id), ?, ?"
        " FROM decisions d WHERE d.transaction_id = ? AND d.resolution = ?",
        (run_id, now, transaction_id, mask_pans(resolution)),
    )
    db.execute(
        "DELETE FROM manual_bookings WHERE transaction_id = ? AND EXISTS (SELECT 1 FROM"
        " decisions WHERE transaction_id = ? AND resolution = ?)",
        (transaction_id, transaction_id, mask_pans(resolution)),
    )
    db.execute(
        "DELETE FROM decisions WHERE transaction_id = ? AND resolution = ?",
        (transaction_id, mask_pans(resolution)),
    )


def superseded_decisions(
    connection: LedgerConnection, transaction_ids: Iterable[str]
) -> list[SupersededDecision]:
    """Decisions of these transactions that a ``revise`` replaced, oldest first."""
    order = "t.superseded_at, t.id"
    rows = connection.rows_with("superseded_decisions", "transaction_id", transaction_ids, order)
    return [
        SupersededDecision(
            transaction_id=str(row["transaction_id"]),
            run_id=str(row["run_id"]),
            resolution=str(row["resolution"]),
            note=str(row["note"]),
            had_manual_booking=row["manual_booking"] is not None,
            superseded_run_id=str(row["superseded_run_id"]),
            applied_at=dt.datetime.fromisoformat(str(row["applied_at"])),
        )
        for row in rows
    ]


def applied_decisions(
    connection: LedgerConnection, transaction_ids: Iterable[str]
) -> dict[str, AppliedDecision]:
    """transaction_id -> the clerk's decision ``apply`` accepted, for these transactions."""
    order = "t.applied_at, t.transaction_id"
    rows = connection.rows_with("decisions", "transaction_id", transaction_ids, order)
    return {
        str(row["transaction_id"]): AppliedDecision(
            transaction_id=str(row["transaction_id"]),
            run_id=str(row["run_id"]),
            plan_run_id=str(row["plan_run_id"]),
            action=str(row["action"]),
            resolution=str(row["resolution"]),
            note=str(row["note"]),
            applied_at=dt.datetime.fromisoformat(str(row["applied_at"])),
        )
        for row in rows
    }


def manual_bookings_of(
    connection: LedgerConnection, transaction_ids: Iterable[str]
) -> list[tuple[str, ManualBooking]]:
    """(run_id, booking) of the write-offs of these transactions, oldest first."""
    order = "t.created_at, t.transaction_id"
    rows = connection.rows_with("manual_bookings", "transaction_id", transaction_ids, order)
    return _manual_bookings(rows)


def manual_bookings_of_run(connection: LedgerConnection, run_id: str) -> list[ManualBooking]:
    """The write-offs one run (an ``apply``) recorded, oldest first."""
    rows = connection.query(
        "SELECT * FROM manual_bookings WHERE run_id = ? ORDER BY created_at, transaction_id",
        [run_id],
    )
    return [booking for _, booking in _manual_bookings(rows)]


def manual_bookings_paid_between(
    connection: LedgerConnection, first_day: dt.date, last_day: dt.date
) -> list[ManualBooking]:
    """Write-offs of payments made in the days (both included), oldest first."""
    rows = connection.query(
        "SELECT * FROM manual_bookings WHERE paid_on BETWEEN ? AND ?"
        " ORDER BY created_at, transaction_id",
        [first_day.isoformat(), last_day.isoformat()],
    )
    return [booking for _, booking in _manual_bookings(rows)]


def _manual_bookings(rows: Iterable[sqlite3.Row]) -> list[tuple[str, ManualBooking]]:
    return [
        (
            str(row["run_id"]),
            ManualBooking(
                transaction_id=str(row["transaction_id"]),
                counter_account=str(row["counter_account"]),
                gl_account=str(row["gl_account"]),
                customer_no=str(row["customer_no"]),
                amount_cents=int(row["amount_cents"]),
                currency=str(row["currency"]),
                paid_on=dt.date.fromisoformat(str(row["paid_on"])),
                note=str(row["note"]),
            ),
        )
        for row in rows
    ]
