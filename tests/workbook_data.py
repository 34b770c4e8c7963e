"""A small, fully known run (results + payments, postings, dead letters) for workbook tests."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pandas as pd

from paytrace_abas.models import RESULT_COLUMNS

REPO = Path(__file__).resolve().parent.parent
GENERATED_AT = dt.datetime(2026, 11, 26, 6, 30, tzinfo=dt.UTC)


def _result(
    transaction_id: str,
    category: str,
    amount_cents: int,
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


def _payment(
    transaction_id: str,
    amount_cents: int,
    billing_name: str,
    invoice_ref: str = "",
    kind: str = "sale",
    status: str = "settled",
    card_type: str = "VISA",
    last4: str = "1111",
    paytrace_customer_id: str = "",
    batch: int | None = 7001,
) -> dict[str, Any]:
    return {
        "transaction_id": transaction_id,
        "kind": kind,
        "status": status,
        "amount_cents": amount_cents,
        "currency": "USD",
        "invoice_ref": invoice_ref,
        "paytrace_customer_id": paytrace_customer_id,
        "card_type": card_type,
        "card_last4": last4,
        "billing_name": billing_name,
        "batch_number": batch,
        "paid_on": dt.date(2026, 11, 25),
    }


def small_run() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Six transactions, one per interesting sheet; every value below is in the golden file."""
    results = pd.DataFrame(
        [
            _result(
                "T1",
                "matched",
                10_000,
                ["400100"],
                [10_000],
                0,
                "C1",
                "reference",
                "Names invoice 400100 and pays it.",
                rule_confidence=1.0,
                days=10,
            ),
            _result(
                "T2",
                "partial_payment",
                5_000,
                ["400200"],
                [],
                -3_000,
                "C2",
                "reference",
                "Pays 50.00 of 80.00.",
                days=20,
            ),
            _result("T3", "unmatched", 2_550, reason="No invoice number."),
            _result("T4", "refund", 1_000, rule="card_state", reason="Money returned."),
            _result("T5", "declined", 500, rule="card_state", reason="The card was declined."),
            _result(
                "T6",
                "overpayment",
                12_000,
                ["400300"],
                [],
                2_000,
                "C3",
                "reference",
                "Pays 120.00 for 100.00.",
                runner_up="400301",
                days=5,
            ),
        ],
        columns=RESULT_COLUMNS,
    )
    payments = pd.DataFrame(
        [
            _payment("T1", 10_000, "Acme Corp", "RE-400100"),
            _payment("T2", 5_000, "Beta LLC", "400200", card_type="MASTERCARD", last4="4444"),
            _payment("T3", 2_550, '=HYPERLINK("http://x")', "card 4111 1111 1111 1111"),
            _payment("T4", 1_000, "Acme Corp", kind="refund"),
            _payment("T5", 500, "Gamma Inc", status="declined", batch=None),
            _payment("T6", 12_000, "Delta GmbH", "@400300", card_type="UNKNOWN", last4="0005"),
        ]
    )
    payments["batch_number"] = payments["batch_number"].astype("Int64")
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
                "paid_on": dt.date(2026, 11, 25),
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
