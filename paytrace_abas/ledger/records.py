"""Rows of the ledger as values (runs and postings live in models.py, where reports read them),
the posting states, and the SQL helpers the record kinds share."""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from paytrace_abas.errors import LedgerError
from paytrace_abas.models import PostingRecord, Receipt, ReceiptLine, RunRecord

PLANNED, SENDING, POSTED, FAILED, DEAD_LETTER = (
    "planned",
    "sending",
    "posted",
    "failed",
    "dead_letter",
)
#: The state machine of docs/posting.md#state-machine; ``posted`` is final. A failed or
#: dead-lettered receipt may be found in abas by the existence check (its last send did arrive),
#: hence ``-> posted``.
TRANSITIONS: dict[str, frozenset[str]] = {
    PLANNED: frozenset({SENDING}),
    SENDING: frozenset({POSTED, FAILED}),
    FAILED: frozenset({SENDING, POSTED, DEAD_LETTER}),
    DEAD_LETTER: frozenset({SENDING, POSTED}),
    POSTED: frozenset(),
}
UNFINISHED = (PLANNED, SENDING, FAILED)


@dataclass(frozen=True)
class RunItem:
    """What a reconcile run decided about one transaction, with the facts the period report sums.

    ``day`` is the transaction's business day: settled, or created if it never settled.
    """

    transaction_id: str
    day: dt.date
    category: str
    amount_cents: int
    card_type: str
    batch_number: int | None
    invoice_nos: tuple[str, ...]
    reason: str


class ClerkDecision(Protocol):
    """A clerk's decision as the ledger keeps it (the plan's decisions have this shape)."""

    @property
    def transaction_id(self) -> str: ...
    @property
    def action(self) -> str: ...
    @property
    def resolution(self) -> str: ...
    @property
    def note(self) -> str: ...
    @property
    def where(self) -> str: ...
    @property
    def revises(self) -> str: ...


#: A run item as the ledger stores it: (transaction_id, day in ISO form, category, amount_cents,
#: card_type, batch_number, invoice numbers as a JSON list, reason).
RunItemRow = tuple[str, str, str, int, str, int | None, str, str]


@dataclass(frozen=True)
class AppliedDecision:
    """A clerk's decision that ``apply`` accepted."""

    transaction_id: str
    run_id: str
    plan_run_id: str
    action: str
    resolution: str
    note: str
    applied_at: dt.datetime


@dataclass(frozen=True)
class SupersededDecision:
    """A clerk's decision a later ``revise`` replaced, and the run that replaced it."""

    transaction_id: str
    run_id: str
    resolution: str
    note: str
    had_manual_booking: bool
    superseded_run_id: str
    applied_at: dt.datetime


@dataclass(frozen=True)
class DeadLetterRecord:
    """A receipt that ran out of attempts and is not resolved yet."""

    transaction_id: str
    run_id: str
    error: str
    attempts: int
    failed_at: dt.datetime


def create_private(path: Path) -> None:
    """Create the ledger file readable by its owner only (SQLite gives WAL/SHM the same mode)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
        os.close(descriptor)
        os.chmod(path, 0o600)
    except OSError as exc:
        raise LedgerError(f"ledger {path} cannot be created: {exc.strerror}") from None


def record_event(
    db: sqlite3.Connection,
    transaction_id: str,
    run_id: str,
    from_state: str | None,
    to_state: str,
    detail: str | None,
    now: str,
) -> None:
    db.execute(
        "INSERT INTO posting_events (transaction_id, run_id, from_state, to_state, at, detail)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (transaction_id, run_id, from_state, to_state, now, detail),
    )


def track_dead_letter(
    db: sqlite3.Connection,
    transaction_id: str,
    run_id: str,
    from_state: str,
    to_state: str,
    error: str | None,
    now: str,
) -> None:
    if to_state == DEAD_LETTER:
        db.execute(
            "INSERT INTO dead_letters (transaction_id, run_id, error, attempts, created_at)"
            " SELECT transaction_id, ?, COALESCE(?, last_error, ''), attempts, ?"
            " FROM postings WHERE transaction_id = ?",
            (run_id, error, now, transaction_id),
        )
    elif from_state == DEAD_LETTER:
        db.execute(
            "UPDATE dead_letters SET resolved_at = ?, resolved_run_id = ?"
            " WHERE transaction_id = ? AND resolved_at IS NULL",
            (now, run_id, transaction_id),
        )


def run_record(row: sqlite3.Row) -> RunRecord:
    return RunRecord(
        run_id=str(row["run_id"]),
        command=str(row["command"]),
        started_at=str(row["started_at"]),
        finished_at=row["finished_at"],
        window_from=row["window_from"],
        window_to=row["window_to"],
        dry_run=bool(row["dry_run"]),
        status=str(row["status"]),
        exit_code=row["exit_code"],
        counts=json.loads(row["counts"]),
        parameters=json.loads(row["parameters"]),
        input_hash=row["input_hash"],
        workbook_path=row["workbook_path"],
        plan_path=row["plan_path"],
    )


def posting_record(rows: list[sqlite3.Row]) -> PostingRecord:
    head = rows[0]
    receipt = Receipt(
        transaction_id=str(head["transaction_id"]),
        customer_no=str(head["customer_no"]),
        currency=str(head["currency"]),
        paid_on=dt.date.fromisoformat(str(head["paid_on"])),
        account=str(head["account"]),
        lines=tuple(
            ReceiptLine(
                invoice_no=str(row["invoice_no"]),
                amount_cents=int(row["line_amount"]),
                discount_cents=int(row["line_discount"]),
                open_cents=None if row["line_open"] is None else int(row["line_open"]),
            )
            for row in rows
        ),
        card_type=str(head["card_type"]),
    )
    return PostingRecord(
        receipt=receipt,
        run_id=str(head["run_id"]),
        state=str(head["state"]),
        attempts=int(head["attempts"]),
        last_error=head["last_error"],
        document=head["document"],
        updated_at=str(head["updated_at"]),
    )


@dataclass(frozen=True)
class CustomerCreation:
    """An abas customer created (or being created) for a PayTrace vault profile."""

    paytrace_customer_id: str
    #: "sending" from before the request until abas (or the import file) holds it, then "created"
    state: str
    customer_no: str
    run_id: str
    updated_at: str
