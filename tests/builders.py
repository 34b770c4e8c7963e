"""Small canonical frames for tests, with only the fields a test cares about spelled out."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd

from paytrace_abas.models import OPEN_ITEM_COLUMNS, PAYMENT_COLUMNS

PAID_ON = dt.date(2026, 11, 25)


def payments(*rows: dict[str, Any]) -> pd.DataFrame:
    """A payments frame; each row defaults to a settled USD sale paid on 2026-11-25."""
    full = []
    for n, row in enumerate(rows):
        base = {
            "transaction_id": str(1000 + n),
            "kind": "sale",
            "status": "settled",
            "amount_cents": 10000,
            "currency": "USD",
            "created_at": pd.Timestamp("2026-11-25 18:00", tz="UTC") + pd.Timedelta(minutes=n),
            "settled_at": pd.Timestamp("2026-11-26 04:13", tz="UTC"),
            "invoice_ref": "",
            "description": "",
            "purchase_order": "",
            "paytrace_customer_id": "",
            "card_type": "VISA",
            "card_last4": "4242",
            "billing_name": "Test Co",
            "approval_code": "A1",
            "batch_number": None,
            "source_line": f"test[{n}]",
            "paid_on": PAID_ON,
        }
        base.update(row)
        full.append(base)
    return pd.DataFrame(full, columns=[*PAYMENT_COLUMNS, "paid_on"])


def open_items(*rows: dict[str, Any]) -> pd.DataFrame:
    """An open_items frame; each row defaults to a USD invoice of 100.00 without discount."""
    full = []
    for n, row in enumerate(rows):
        base = {
            "invoice_no": str(400100 + n),
            "customer_no": "70001",
            "customer_name": "Test Co",
            "invoice_date": pd.Timestamp("2026-11-01"),
            "due_date": pd.Timestamp("2026-12-01"),
            "currency": "USD",
            "gross_cents": 10000,
            "open_cents": None,
            "discount_bp": 0,
            "discount_until": pd.NaT,
            "source_line": f"op line {n + 2}",
        }
        base.update(row)
        if base["open_cents"] is None:
            base["open_cents"] = base["gross_cents"]
        full.append(base)
    return pd.DataFrame(full, columns=OPEN_ITEM_COLUMNS)
