"""Rows and frames for tests, shaped as the normalizers produce them.

A test names only the fields it cares about; every other field gets a plain default:

- ``payment(...)`` is one PayTrace payment row, ``payments_frame(rows)`` the typed frame;
- ``open_item(...)`` is one abas open item row, ``open_items_frame(rows)`` the typed frame;
- ``result(...)`` is one row of the matching result, ``results_frame(rows)`` the frame;
- ``receipt(...)`` is a cash receipt as planning hands it to a sink, ``RECEIPT`` one of the
  sample day's (two invoices, one with cash discount);
- ``small_run()``, ``posting_rows()`` and ``dead_letter_rows()`` are the fully known run the
  workbook tests and golden files use;
- ``run_items(...)`` and ``PERIOD_RUNS`` are nightly runs as the period report reads them.

Days written to disk with a config (export, open items, ledger) are in ``tests/support/days.py``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

import pandas as pd

from paytrace_abas.models import (
    ITEM_COLUMNS,
    OPEN_ITEM_COLUMNS,
    PAYMENT_COLUMNS,
    RESULT_COLUMNS,
    Receipt,
    ReceiptLine,
    RunSnapshot,
)

PAID_ON = dt.date(2026, 11, 25)
GENERATED_AT = dt.datetime(2026, 11, 26, 6, 30, tzinfo=dt.UTC)


def payment(
    transaction_id: str,
    amount_cents: int,
    *,
    ref: str = "",
    description: str = "",
    po: str = "",
    customer: str = "",
    kind: str = "sale",
    status: str = "settled",
    currency: str = "USD",
    at: str = "10:00",
    paid_on: dt.date = PAID_ON,
    billing_name: str = "",
    card_type: str = "VISA",
    last4: str = "4242",
    batch: int | None = None,
) -> dict[str, Any]:
    """One payment row: a settled USD card sale paid on 2026-11-25 unless told otherwise."""
    created = pd.Timestamp(f"{paid_on.isoformat()} {at}", tz="UTC")
    return {
        "transaction_id": transaction_id,
        "kind": kind,
        "status": status,
        "amount_cents": amount_cents,
        "currency": currency,
        "created_at": created,
        "settled_at": created if status == "settled" else pd.NaT,
        "invoice_ref": ref,
        "description": description,
        "purchase_order": po,
        "paytrace_customer_id": customer,
        "card_type": card_type,
        "card_last4": last4,
        "billing_name": billing_name,
        "approval_code": "",
        "batch_number": batch,
        "source_line": f"test {transaction_id}",
        "paid_on": paid_on,
    }


def open_item(
    invoice_no: str,
    customer: str,
    gross_cents: int,
    *,
    open_cents: int | None = None,
    day: str = "2026-11-01",
    currency: str = "USD",
    discount_bp: int = 0,
    until: str | None = None,
) -> dict[str, Any]:
    """One open item row: fully open, no cash discount, due 30 days after ``day``."""
    return {
        "invoice_no": invoice_no,
        "customer_no": customer,
        "customer_name": f"Customer {customer}",
        "invoice_date": pd.Timestamp(day),
        "due_date": pd.Timestamp(day) + pd.Timedelta(days=30),
        "currency": currency,
        "gross_cents": gross_cents,
        "open_cents": gross_cents if open_cents is None else open_cents,
        "discount_bp": discount_bp,
        "discount_until": pd.Timestamp(until) if until else pd.NaT,
        "source_line": f"test {invoice_no}",
    }


def payments_frame(rows: Iterable[dict[str, Any]]) -> pd.DataFrame:
    """Payment rows as a frame with the normalizer's column order and types."""
    frame = pd.DataFrame(list(rows), columns=[*PAYMENT_COLUMNS, "paid_on"])
    frame["amount_cents"] = frame["amount_cents"].astype("Int64")
    frame["batch_number"] = frame["batch_number"].astype("Int64")
    frame["created_at"] = pd.to_datetime(frame["created_at"], utc=True)
    frame["settled_at"] = pd.to_datetime(frame["settled_at"], utc=True)
    return frame


def open_items_frame(rows: Iterable[dict[str, Any]]) -> pd.DataFrame:
    """Open item rows as a frame with the abas reader's column order and types."""
    frame = pd.DataFrame(list(rows), columns=OPEN_ITEM_COLUMNS)
    for column in ("gross_cents", "open_cents", "discount_bp"):
        frame[column] = frame[column].astype("Int64")
    for column in ("invoice_date", "due_date", "discount_until"):
        frame[column] = pd.to_datetime(frame[column]).astype("datetime64[s]")
    return frame


def result(
    transaction_id: str,
    category: str,
    amount_cents: int,
    *,
    invoices: list[str] | None = None,
    applied: list[int] | None = None,
    difference_cents: int = 0,
    customer_no: str = "",
    rule: str = "none",
    reason: str = "",
    runner_up: str = "",
    rule_confidence: float = 0.0,
    days: int | None = None,
) -> dict[str, Any]:
    """One matching result row in USD without cash discount."""
    return {
        "transaction_id": transaction_id,
        "category": category,
        "rule": rule,
        "invoice_nos": invoices or [],
        "applied_cents": applied or [],
        "amount_cents": amount_cents,
        "currency": "USD",
        "discount_cents": 0,
        "invoice_discounts_cents": [0] * len(applied or []),
        "difference_cents": difference_cents,
        "customer_no": customer_no,
        "days_from_invoice": days,
        "rule_confidence": rule_confidence,
        "runner_up": runner_up,
        "reason": reason,
    }


def results_frame(rows: Iterable[dict[str, Any]]) -> pd.DataFrame:
    """Result rows as a frame in the matching engine's column order."""
    return pd.DataFrame(list(rows), columns=RESULT_COLUMNS)


def receipt(transaction_id: str = "700", *invoices: str) -> Receipt:
    """A receipt of customer K1 paying 10.00 on each invoice (``500`` when none is named)."""
    lines = tuple(ReceiptLine(no, 1000, 0, 1000) for no in (invoices or ("500",)))
    return Receipt(transaction_id, "K1", "USD", PAID_ON, "18100", lines)


#: A sample-day receipt paying two invoices, the second with a 6.00 cash discount.
RECEIPT = Receipt(
    "512330107",
    "70001",
    "USD",
    PAID_ON,
    "18100",
    (ReceiptLine("400101", 124850, 0, 124850), ReceiptLine("400102", 38000, 600, 38600)),
)


def small_run() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Six transactions, one per interesting sheet; every value below is in the golden file."""
    results = results_frame(
        [
            result(
                "T1",
                "matched",
                10_000,
                invoices=["400100"],
                applied=[10_000],
                customer_no="C1",
                rule="reference",
                reason="Names invoice 400100 and pays it.",
                rule_confidence=1.0,
                days=10,
            ),
            result(
                "T2",
                "partial_payment",
                5_000,
                invoices=["400200"],
                difference_cents=-3_000,
                customer_no="C2",
                rule="reference",
                reason="Pays 50.00 of 80.00.",
                days=20,
            ),
            result("T3", "unmatched", 2_550, reason="No invoice number."),
            result("T4", "refund", 1_000, rule="card_state", reason="Money returned."),
            result("T5", "declined", 500, rule="card_state", reason="The card was declined."),
            result(
                "T6",
                "overpayment",
                12_000,
                invoices=["400300"],
                difference_cents=2_000,
                customer_no="C3",
                rule="reference",
                reason="Pays 120.00 for 100.00.",
                runner_up="400301",
                days=5,
            ),
        ]
    )
    # what matching says in codes; write_small_workbook words it (report/reasons.py)
    results = results.assign(
        reason_code=[
            "pays_named",
            "pays_part",
            "no_invoice_number+no_customer",
            "refund",
            "declined",
            "pays_too_much",
        ],
        reason_invoices=["400100", "400200", "", "", "", "400300"],
        reason_count=[1, 1, 0, 0, 0, 1],
        reason_paid_cents=[0, 5_000, 0, 0, 0, 12_000],
        reason_due_cents=[0, 8_000, 0, 0, 0, 10_000],
        reason_gap_cents=[0, 3_000, 0, 0, 0, 2_000],
    )
    payments = payments_frame(
        [
            payment(
                "T1", 10_000, billing_name="Acme Corp", ref="RE-400100", last4="1111", batch=7001
            ),
            payment(
                "T2",
                5_000,
                billing_name="Beta LLC",
                ref="400200",
                card_type="MASTERCARD",
                last4="4444",
                batch=7001,
            ),
            payment(
                "T3",
                2_550,
                billing_name='=HYPERLINK("http://x")',
                ref="card 4111 1111 1111 1111",
                last4="1111",
                batch=7001,
            ),
            payment("T4", 1_000, billing_name="Acme Corp", kind="refund", last4="1111", batch=7001),
            payment("T5", 500, billing_name="Gamma Inc", status="declined", last4="1111"),
            payment(
                "T6",
                12_000,
                billing_name="Delta GmbH",
                ref="@400300",
                card_type="UNKNOWN",
                last4="0005",
                batch=7001,
            ),
        ]
    )
    return results, payments


def posting_rows() -> pd.DataFrame:
    """One posted line, as the posting step reports it."""
    return pd.DataFrame(
        [
            {
                "transaction_id": "T1",
                "invoice_no": "400100",
                "write_off_account": "",
                "customer_no": "C1",
                "amount_cents": 10_000,
                "discount_cents": 0,
                "paid_on": PAID_ON,
                "status": "posted",
                "abas_document": "ZE-1001",
                "attempts": 1,
                "last_error": "",
            }
        ]
    )


def dead_letter_rows() -> pd.DataFrame:
    """One posting that ran out of attempts."""
    return pd.DataFrame(
        [
            {
                "transaction_id": "T7",
                "invoice_no": "400700",
                "amount_cents": 3_300,
                "attempts": 5,
                "last_error": "abas did not answer within 30 s",
                "failed_at": dt.datetime(2026, 11, 26, 5, 0, tzinfo=dt.UTC),
            }
        ]
    )


NOV = dt.date(2026, 11, 1)


def november(n: int) -> dt.date:
    """The n-th of November 2026."""
    return NOV.replace(day=n)


def run_items(*rows: tuple[str, int, str, int, str, int | None]) -> pd.DataFrame:
    """A run's items from (transaction, day of November, category, cents, card, batch)."""
    return pd.DataFrame(
        [
            {
                "transaction_id": tid,
                "day": november(d),
                "category": category,
                "amount_cents": cents,
                "card_type": card,
                "batch_number": batch,
                "invoice_nos": [],
                "reason": f"{category} on {d}",
            }
            for tid, d, category, cents, card, batch in rows
        ],
        columns=ITEM_COLUMNS,
    )


#: Two nightly runs: B settles a day late, A and F stay open, C is decided by a clerk later.
PERIOD_RUNS = [
    RunSnapshot(
        "R23",
        dt.datetime(2026, 11, 24, 6, tzinfo=dt.UTC),
        run_items(
            ("A", 23, "unmatched", 1_000, "VISA", 1),
            ("B", 23, "pending", 2_000, "VISA", None),
            ("C", 23, "partial_payment", 3_000, "AMEX", 1),
        ),
    ),
    RunSnapshot(
        "R24",
        dt.datetime(2026, 11, 25, 6, tzinfo=dt.UTC),
        run_items(
            ("B", 24, "matched", 2_000, "VISA", 2),  # settled a day later and matched
            ("D", 24, "matched", 4_000, "AMEX", 2),
            ("E", 24, "refund", 500, "VISA", 2),
            ("F", 24, "ambiguous", 600, "VISA", 2),
        ),
    ),
]
