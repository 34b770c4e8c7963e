"""Small canonical frames for matching tests (shapes as the normalizers produce them)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd

from paytrace_abas.models import OPEN_ITEM_COLUMNS, PAYMENT_COLUMNS

PAID_ON = dt.date(2026, 11, 25)


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
) -> dict[str, Any]:
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
        "card_type": "VISA",
        "card_last4": "4242",
        "billing_name": "",
        "approval_code": "",
        "batch_number": None,
        "source_line": f"test {transaction_id}",
        "paid_on": paid_on,
    }


def item(
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


def payments_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=[*PAYMENT_COLUMNS, "paid_on"])
    frame["amount_cents"] = frame["amount_cents"].astype("Int64")
    frame["created_at"] = pd.to_datetime(frame["created_at"], utc=True)
    frame["settled_at"] = pd.to_datetime(frame["settled_at"], utc=True)
    return frame


def open_items_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=OPEN_ITEM_COLUMNS)
    for column in ("gross_cents", "open_cents", "discount_bp"):
        frame[column] = frame[column].astype("Int64")
    for column in ("invoice_date", "due_date", "discount_until"):
        frame[column] = pd.to_datetime(frame[column]).astype("datetime64[s]")
    return frame
