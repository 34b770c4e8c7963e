"""Settlement bookings to make by hand (bank deposit, processor fee per batch): proposed by
each run that pairs a batch, listed once by the run that accepts them (docs/settlement.md)."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterable

from paytrace_abas.ledger.connection import LedgerConnection
from paytrace_abas.models import ManualBooking
from paytrace_abas.privacy import mask_pans


def propose_settlement_bookings(
    connection: LedgerConnection, run_id: str, bookings: Iterable[ManualBooking]
) -> None:
    """Keep a run's bookings; one not yet accepted takes the newer run's figures."""
    now = connection.now()
    with connection.transaction() as db:
        db.executemany(
            "INSERT INTO settlement_bookings (booking_id, planned_run_id, counter_account,"
            " gl_account, amount_cents, currency, booked_on, note, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT(booking_id) DO UPDATE SET planned_run_id = excluded.planned_run_id,"
            " counter_account = excluded.counter_account, gl_account = excluded.gl_account,"
            " amount_cents = excluded.amount_cents, currency = excluded.currency,"
            " booked_on = excluded.booked_on, note = excluded.note"
            " WHERE settlement_bookings.run_id IS NULL",
            [
                (
                    b.transaction_id,
                    run_id,
                    b.counter_account,
                    b.gl_account,
                    b.amount_cents,
                    b.currency,
                    b.paid_on.isoformat(),
                    mask_pans(b.note),
                    now,
                )
                for b in bookings
            ],
        )


def accept_settlement_bookings(
    connection: LedgerConnection, run_id: str, planned_run_id: str
) -> list[ManualBooking]:
    """The bookings ``planned_run_id`` proposed that no run accepted yet, now ``run_id``'s."""
    with connection.transaction() as db:
        db.execute(
            "UPDATE settlement_bookings SET run_id = ? WHERE planned_run_id = ? AND run_id IS NULL",
            [run_id, planned_run_id],
        )
    return settlement_bookings_of_run(connection, run_id)


def settlement_bookings_of_run(connection: LedgerConnection, run_id: str) -> list[ManualBooking]:
    """The settlement bookings one run accepted, in booking order."""
    rows = connection.query(
        "SELECT * FROM settlement_bookings WHERE run_id = ? ORDER BY booked_on, booking_id",
        [run_id],
    )
    return _bookings(rows)


def settlement_bookings_between(
    connection: LedgerConnection, first_day: dt.date, last_day: dt.date
) -> list[ManualBooking]:
    """Accepted settlement bookings dated in the days (both included)."""
    rows = connection.query(
        "SELECT * FROM settlement_bookings WHERE booked_on BETWEEN ? AND ?"
        " AND run_id IS NOT NULL ORDER BY booked_on, booking_id",
        [first_day.isoformat(), last_day.isoformat()],
    )
    return _bookings(rows)


def _bookings(rows: Iterable[sqlite3.Row]) -> list[ManualBooking]:
    return [
        ManualBooking(
            transaction_id=str(row["booking_id"]),
            counter_account=str(row["counter_account"]),
            gl_account=str(row["gl_account"]),
            customer_no="",
            amount_cents=int(row["amount_cents"]),
            currency=str(row["currency"]),
            paid_on=dt.date.fromisoformat(str(row["booked_on"])),
            note=str(row["note"]),
        )
        for row in rows
    ]
