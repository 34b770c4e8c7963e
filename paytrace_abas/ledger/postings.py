"""Postings: receipts and the state machine they walk (planned -> sending -> posted, failed,
dead letters), with the questions the plan's re-check and the reports ask of them.

Every state change is its own short ``BEGIN IMMEDIATE … COMMIT``, so a crash loses at most the
change in flight.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterable
from typing import Any

from paytrace_abas.errors import StateError
from paytrace_abas.ledger.connection import LedgerConnection
from paytrace_abas.ledger.records import (
    PLANNED,
    POSTED,
    SENDING,
    TRANSITIONS,
    DeadLetterRecord,
    posting_record,
    record_event,
    track_dead_letter,
)
from paytrace_abas.models import PostingRecord, Receipt
from paytrace_abas.privacy import mask_pans


def record_planned(
    connection: LedgerConnection, run_id: str, receipts: Iterable[Receipt]
) -> list[str]:
    """Insert receipts as ``planned``; ones the ledger already knows keep their state.

    Returns the transaction ids that were new.
    """
    new: list[str] = []
    now = connection.now()
    with connection.transaction() as db:
        for receipt in receipts:
            inserted = db.execute(
                "INSERT OR IGNORE INTO postings (transaction_id, run_id, customer_no, currency,"
                " paid_on, account, card_type, amount_cents, discount_cents, state, attempts,"
                " created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'planned', 0, ?, ?)",
                (
                    receipt.transaction_id,
                    run_id,
                    receipt.customer_no,
                    receipt.currency,
                    receipt.paid_on.isoformat(),
                    receipt.account,
                    receipt.card_type,
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
    connection: LedgerConnection,
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
    several receipts at once passes ``wait_durable=False`` and calls ``Ledger.sync`` before
    sending any of them.
    """
    now = connection.now()
    error = mask_pans(error) if error is not None else None
    with connection.transaction() as db:
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
        sequence = connection.next_commit()
    if to_state == SENDING and wait_durable:
        connection.wait_durable(sequence)


def change_account(
    connection: LedgerConnection, transaction_id: str, run_id: str, account: str
) -> None:
    """Give an unposted receipt the counter account the configuration decides now."""
    now = connection.now()
    with connection.transaction() as db:
        row = db.execute(
            "SELECT state FROM postings WHERE transaction_id = ?", (transaction_id,)
        ).fetchone()
        if row is None or row[0] == POSTED:
            return
        db.execute(
            "UPDATE postings SET account = ?, updated_at = ? WHERE transaction_id = ?",
            (account, now, transaction_id),
        )
        detail = f"counter account now {account}"
        record_event(db, transaction_id, run_id, str(row[0]), str(row[0]), detail, now)


def posting(connection: LedgerConnection, transaction_id: str) -> PostingRecord | None:
    found = _postings(connection, "WHERE p.transaction_id = ?", [transaction_id])
    return found[0] if found else None


def postings_of(
    connection: LedgerConnection, transaction_ids: Iterable[str]
) -> list[PostingRecord]:
    """The receipts the ledger holds of these transactions (others are left out)."""
    source = "json_each(?) w CROSS JOIN postings p ON p.transaction_id = w.value"
    return _postings(connection, "", [], source, transaction_ids)


def posting_states(connection: LedgerConnection, transaction_ids: Iterable[str]) -> dict[str, str]:
    """transaction_id -> posting state, for those of these transactions the ledger holds."""
    rows = connection.query_keys(
        "SELECT p.transaction_id, p.state FROM json_each(?) w"
        " CROSS JOIN postings p ON p.transaction_id = w.value",
        transaction_ids,
    )
    return {str(r[0]): str(r[1]) for r in rows}


def postings_in_state(connection: LedgerConnection, *states: str) -> list[PostingRecord]:
    marks = ", ".join("?" for _ in states)
    return _postings(connection, f"WHERE p.state IN ({marks})", states)


def postings_paid_between(
    connection: LedgerConnection, first_day: dt.date, last_day: dt.date
) -> list[PostingRecord]:
    """Receipts of payments made in the days (both included), in any state."""
    return _postings(
        connection, "WHERE p.paid_on BETWEEN ? AND ?", [first_day.isoformat(), last_day.isoformat()]
    )


def postings_of_run(connection: LedgerConnection, run_id: str) -> list[PostingRecord]:
    """Postings a run planned, or whose state it changed."""
    # A union of two index look-ups (an OR of the two would read every posting).
    return _postings(
        connection,
        "WHERE p.transaction_id IN (SELECT transaction_id FROM postings WHERE run_id = ?"
        " UNION SELECT transaction_id FROM posting_events WHERE run_id = ?)",
        [run_id, run_id],
    )


def _postings(
    connection: LedgerConnection,
    where: str,
    params: Iterable[Any],
    source: str = "postings p",
    keys: Iterable[str] | None = None,
) -> list[PostingRecord]:
    # CROSS JOIN: the postings found first, then their lines (never all lines first).
    sql = (
        "SELECT p.*, l.invoice_no, l.amount_cents AS line_amount,"
        " l.discount_cents AS line_discount, l.open_cents AS line_open"
        f" FROM {source} CROSS JOIN posting_lines l ON l.transaction_id = p.transaction_id"
        f" {where} ORDER BY p.created_at, p.transaction_id, l.rowid"
    )
    if keys is None:
        rows = connection.query(sql, params)
    else:
        rows = connection.query_keys(sql, keys, params)
    grouped: dict[str, list[sqlite3.Row]] = {}
    for row in rows:
        grouped.setdefault(str(row["transaction_id"]), []).append(row)
    return [posting_record(lines) for lines in grouped.values()]


def posted_documents(
    connection: LedgerConnection, transaction_ids: Iterable[str]
) -> dict[str, str]:
    """transaction_id -> abas document, for those of these transactions that are posted."""
    rows = connection.query_keys(
        "SELECT p.transaction_id, p.document FROM json_each(?) w"
        " CROSS JOIN postings p ON p.transaction_id = w.value WHERE p.state = 'posted'",
        transaction_ids,
    )
    return {str(r[0]): str(r[1] or "") for r in rows}


def invoices_paid_by(connection: LedgerConnection, transaction_ids: Iterable[str]) -> set[str]:
    """Invoice numbers the ledger's receipts of these transactions pay."""
    rows = connection.query_keys(
        "SELECT l.invoice_no FROM json_each(?) w"
        " CROSS JOIN posting_lines l ON l.transaction_id = w.value",
        transaction_ids,
    )
    return {str(r[0]) for r in rows}


def invoice_payers(
    connection: LedgerConnection, invoice_nos: Iterable[str]
) -> dict[str, tuple[str, str]]:
    """invoice_no -> (transaction_id, state) of the receipt paying it, for these invoices
    (of several receipts, the last recorded)."""
    rows = connection.query_keys(
        "SELECT l.invoice_no, p.transaction_id, p.state FROM json_each(?) w"
        " CROSS JOIN posting_lines l ON l.invoice_no = w.value"
        " CROSS JOIN postings p ON p.transaction_id = l.transaction_id ORDER BY l.rowid",
        invoice_nos,
    )
    return {str(r[0]): (str(r[1]), str(r[2])) for r in rows}


def paid_lines(
    connection: LedgerConnection, invoice_nos: Iterable[str]
) -> dict[str, list[tuple[str, int, int | None]]]:
    """invoice_no -> (transaction_id, amount + discount, open amount when planned) of the
    receipt lines paying these invoices, oldest first."""
    rows = connection.query_keys(
        "SELECT l.invoice_no, l.transaction_id, l.amount_cents + l.discount_cents,"
        " l.open_cents FROM json_each(?) w CROSS JOIN posting_lines l ON l.invoice_no = w.value"
        " ORDER BY l.rowid",
        invoice_nos,
    )
    paid: dict[str, list[tuple[str, int, int | None]]] = {}
    for row in rows:
        opened = None if row[3] is None else int(row[3])
        paid.setdefault(str(row[0]), []).append((str(row[1]), int(row[2]), opened))
    return paid


def count_in_state(connection: LedgerConnection, state: str) -> int:
    return int(connection.query("SELECT COUNT(*) FROM postings WHERE state = ?", [state])[0][0])


def events(connection: LedgerConnection, transaction_id: str) -> list[tuple[str | None, str, str]]:
    """(from, to, run_id) of every state change of one posting, oldest first."""
    rows = connection.query(
        "SELECT from_state, to_state, run_id FROM posting_events"
        " WHERE transaction_id = ? ORDER BY id",
        [transaction_id],
    )
    return [(r[0], str(r[1]), str(r[2])) for r in rows]


def open_dead_letters(connection: LedgerConnection) -> list[DeadLetterRecord]:
    """Dead letters not yet resolved, oldest first."""
    rows = connection.query(
        "SELECT transaction_id, run_id, error, attempts, created_at FROM dead_letters"
        " INDEXED BY dead_letters_open WHERE resolved_at IS NULL ORDER BY id"
    )
    return [
        DeadLetterRecord(
            str(r[0]), str(r[1]), str(r[2]), int(r[3]), dt.datetime.fromisoformat(str(r[4]))
        )
        for r in rows
    ]
