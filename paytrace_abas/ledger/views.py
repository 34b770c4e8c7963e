"""The ledger's records as the frames reports read: Postings and Dead letters rows of a run's
workbook, the items a run records for the period report, and the period report's RunHistory."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from zoneinfo import ZoneInfo

import pandas as pd

from paytrace_abas.ledger import Ledger, RunItem
from paytrace_abas.ledger.records import RunItemRow
from paytrace_abas.models import (
    DEAD_LETTER_COLUMNS,
    DECISION_COLUMNS,
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
    held = {record.receipt.transaction_id: record for record in ledger.postings_of(transaction_ids)}
    planned = [
        held[tid] for tid in dict.fromkeys(transaction_ids) if tid in held and tid not in moved
    ]
    return posting_rows([*moved.values(), *planned])


def with_decision_columns(results: pd.DataFrame, ledger: Ledger) -> pd.DataFrame:
    """Results plus DECISION_COLUMNS: the clerk's decision ``apply`` accepted for each
    payment (one batched look-up of the run's own payments), empty where there is none."""
    ids = results["transaction_id"].astype(str)
    decisions = ledger.applied_decisions(ids.tolist())
    enriched = results.copy()
    for column, field in zip(DECISION_COLUMNS, ("resolution", "note", "run_id"), strict=True):
        enriched[column] = [
            getattr(decisions[tid], field) if tid in decisions else "" for tid in ids.tolist()
        ]
    return enriched


def dead_letter_rows(ledger: Ledger) -> pd.DataFrame:
    """Dead-letters-sheet rows: every receipt still in dead letters, one row per invoice."""
    rows = []
    letters = ledger.open_dead_letters()
    held = {
        record.receipt.transaction_id: record
        for record in ledger.postings_of(letter.transaction_id for letter in letters)
    }
    for letter in letters:
        record = held.get(letter.transaction_id)
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


def run_item_rows(items: pd.DataFrame) -> list[RunItemRow]:
    """ITEM_COLUMNS rows as the ledger stores them, built column by column (no object per
    row: a big day records a million of them)."""
    batches = items["batch_number"].astype("Int64").astype(object)
    return list(
        zip(
            items["transaction_id"].astype(str).tolist(),
            [day.isoformat() for day in items["day"].tolist()],
            items["category"].astype(str).tolist(),
            [int(cents) for cents in items["amount_cents"].tolist()],
            items["card_type"].fillna("").astype(str).tolist(),
            [None if pd.isna(batch) else int(batch) for batch in batches.tolist()],
            [json.dumps([str(n) for n in numbers]) for numbers in items["invoice_nos"].tolist()],
            items["reason"].astype(str).tolist(),
            strict=True,
        )
    )


class LedgerHistory:
    """The period report's RunHistory, read from the ledger (commands.report.RunHistory)."""

    def __init__(self, ledger: Ledger, zone: ZoneInfo) -> None:
        self._ledger = ledger
        self._zone = zone
        self._seen: set[str] = set()

    def snapshots(self, first_day: dt.date, last_day: dt.date) -> list[RunSnapshot]:
        """Counted runs whose window overlaps the days, and earlier ones that saw a transaction
        that was an open exception before ``first_day`` (it may still be open: carried forward).

        Of an earlier run only the items of transactions that matter here are read: those
        carried forward, and those the overlapping runs decided too (a later-started rerun of
        an old day may have the last word on them).
        """
        start = first_day.isoformat()
        runs = self._ledger.counted_runs(last_day)
        overlapping = {run.run_id for run in runs if (run.window_to or "") >= start}
        earlier = [run.run_id for run in runs if run.run_id not in overlapping]
        items = {run_id: self._ledger.run_items(run_id) for run_id in overlapping}
        open_codes = {category.value for category in OPEN_CATEGORIES}
        carried = {
            item.transaction_id for _, item in self._ledger.run_items_in(earlier, open_codes)
        }
        decided = {item.transaction_id for run_items in items.values() for item in run_items}
        wanted = self._ledger.run_items_of(carried | decided) if carried else []
        for run_id, item in wanted:
            if run_id not in overlapping:
                items.setdefault(run_id, []).append(item)
        snapshots = [
            RunSnapshot(
                run.run_id,
                dt.datetime.fromisoformat(run.started_at),
                _items_frame(items[run.run_id]),
            )
            for run in runs
            if run.run_id in overlapping
            or any(item.transaction_id in carried for item in items.get(run.run_id, ()))
        ]
        for snapshot in snapshots:
            self._seen.update(snapshot.items["transaction_id"])
        return snapshots

    def postings(self, first_day: dt.date, last_day: dt.date) -> pd.DataFrame:
        """Every receipt line and write-off of payments made in the days, with its state."""
        receipts = self._ledger.postings_paid_between(first_day, last_day)
        bookings = self._ledger.manual_bookings_paid_between(first_day, last_day)
        return posting_rows(receipts, bookings)

    def resolved(self) -> Mapping[str, dt.date]:
        """Transactions a clerk's decision closed, with the day (PayTrace time zone) of apply:
        those of the snapshots read so far (the only ones the report looks up). A revised
        decision closed its exception when the first decision was applied."""
        applied = {
            tid: decision.applied_at
            for tid, decision in self._ledger.applied_decisions(self._seen).items()
        }
        for earlier in self._ledger.superseded_decisions(applied):
            tid = earlier.transaction_id
            applied[tid] = min(applied[tid], earlier.applied_at)
        return {tid: moment.astimezone(self._zone).date() for tid, moment in applied.items()}


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
