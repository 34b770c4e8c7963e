"""The ledger's records as the frames reports read: Postings and Dead letters rows of a run's
workbook, the items a run records for the period report, and the period report's RunHistory."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from zoneinfo import ZoneInfo

import pandas as pd

from paytrace_abas.frames import records
from paytrace_abas.ledger import Ledger, RunItem
from paytrace_abas.models import (
    DEAD_LETTER_COLUMNS,
    ITEM_COLUMNS,
    OPEN_CATEGORIES,
    POSTING_ROW_COLUMNS,
    ManualBooking,
    PostingRecord,
    RunSnapshot,
)

#: Postings-sheet status of a write-off the clerk books by hand in abas.
BOOK_BY_HAND = "book_by_hand"


def posting_rows(
    postings: Iterable[PostingRecord], bookings: Iterable[ManualBooking] = ()
) -> pd.DataFrame:
    """Postings-sheet rows: one per receipt line with its ledger state, then the write-offs."""
    rows = [
        {
            "transaction_id": record.receipt.transaction_id,
            "invoice_no": line.invoice_no,
            "write_off_account": "",
            "customer_no": record.receipt.customer_no,
            "amount_cents": line.amount_cents,
            "discount_cents": line.discount_cents,
            "paid_on": record.receipt.paid_on,
            "status": record.state,
            "abas_document": record.document or "",
            "attempts": record.attempts,
            "last_error": record.last_error or "",
        }
        for record in postings
        for line in record.receipt.lines
    ]
    rows += [
        {
            "transaction_id": booking.transaction_id,
            "invoice_no": "",
            "write_off_account": booking.gl_account,
            "customer_no": booking.customer_no,
            "amount_cents": booking.amount_cents,
            "discount_cents": 0,
            "paid_on": booking.paid_on,
            "status": BOOK_BY_HAND,
            "abas_document": "",
            "attempts": 0,
            "last_error": "",
        }
        for booking in bookings
    ]
    return pd.DataFrame(rows, columns=POSTING_ROW_COLUMNS)


def run_posting_rows(ledger: Ledger, run_id: str, transaction_ids: Iterable[str]) -> pd.DataFrame:
    """The receipts a posting run planned or moved, each as the ledger holds it now."""
    moved = {record.receipt.transaction_id: record for record in ledger.postings_of_run(run_id)}
    planned = {
        tid: record
        for tid in transaction_ids
        if tid not in moved and (record := ledger.posting(tid)) is not None
    }
    return posting_rows([*moved.values(), *planned.values()])


def dead_letter_rows(ledger: Ledger) -> pd.DataFrame:
    """Dead-letters-sheet rows: every receipt still in dead letters, one row per invoice."""
    rows = []
    for letter in ledger.open_dead_letters():
        record = ledger.posting(letter.transaction_id)
        lines = record.receipt.lines if record is not None else ()
        rows += [
            {
                "transaction_id": letter.transaction_id,
                "invoice_no": line.invoice_no,
                "amount_cents": line.amount_cents,
                "attempts": letter.attempts,
                "last_error": letter.error,
                "failed_at": letter.failed_at,
            }
            for line in lines
        ]
    return pd.DataFrame(rows, columns=DEAD_LETTER_COLUMNS)


def run_items(items: pd.DataFrame) -> list[RunItem]:
    """ITEM_COLUMNS rows as the ledger keeps them."""
    return [
        RunItem(
            transaction_id=str(row["transaction_id"]),
            day=row["day"],
            category=str(row["category"]),
            amount_cents=int(row["amount_cents"]),
            card_type=str(row["card_type"]) if pd.notna(row["card_type"]) else "",
            batch_number=int(row["batch_number"]) if pd.notna(row["batch_number"]) else None,
            invoice_nos=tuple(str(number) for number in row["invoice_nos"]),
            reason=str(row["reason"]),
        )
        for row in records(items)
    ]


class LedgerHistory:
    """The period report's RunHistory, read from the ledger (commands.report.RunHistory)."""

    def __init__(self, ledger: Ledger, zone: ZoneInfo) -> None:
        self._ledger = ledger
        self._zone = zone

    def snapshots(self, first_day: dt.date, last_day: dt.date) -> list[RunSnapshot]:
        """Counted runs whose window overlaps the days, and earlier ones that saw a transaction
        that was an open exception before ``first_day`` (it may still be open: carried forward).
        """
        runs = [
            (run, self._ledger.run_items(run.run_id)) for run in self._ledger.counted_runs(last_day)
        ]
        start = first_day.isoformat()
        open_codes = {category.value for category in OPEN_CATEGORIES}
        carried = {
            item.transaction_id
            for run, items in runs
            if (run.window_to or "") < start
            for item in items
            if item.category in open_codes
        }
        return [
            RunSnapshot(run.run_id, dt.datetime.fromisoformat(run.started_at), _items_frame(items))
            for run, items in runs
            if (run.window_to or "") >= start
            or any(item.transaction_id in carried for item in items)
        ]

    def postings(self, first_day: dt.date, last_day: dt.date) -> pd.DataFrame:
        """Every receipt line and write-off of payments made in the days, with its state."""
        receipts = self._ledger.postings_paid_between(first_day, last_day)
        bookings = [
            booking
            for _, booking in self._ledger.manual_bookings()
            if first_day <= booking.paid_on <= last_day
        ]
        return posting_rows(receipts, bookings)

    def resolved(self) -> Mapping[str, dt.date]:
        """Transactions a clerk's decision closed, with the day (PayTrace time zone) of apply."""
        return {
            tid: decision.applied_at.astimezone(self._zone).date()
            for tid, decision in self._ledger.applied_decisions().items()
        }


def _items_frame(items: list[RunItem]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "transaction_id": item.transaction_id,
                "day": item.day,
                "category": item.category,
                "amount_cents": item.amount_cents,
                "card_type": item.card_type,
                "batch_number": item.batch_number,
                "invoice_nos": list(item.invoice_nos),
                "reason": item.reason,
            }
            for item in items
        ],
        columns=ITEM_COLUMNS,
    )
