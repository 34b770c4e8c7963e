"""A generated day (``_matching_dataset.generate``) as the files a user hands the CLI.

The PayTrace side becomes one export body (``POST /v1/transactions/export/by_date_range``), the
abas side a ``;`` open-items CSV with decimal commas, plus a TOML config that reads both in file
mode. Times are written as PayTrace's local wall clock, so every payment falls on the same day.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import msgspec
import numpy as np
import pandas as pd
from _matching_dataset import DAY, generate

_TYPE = {"sale": "SALE", "refund": "REFUND", "void": "VOID"}


def write_day(n: int, folder: Path, seed: int = 20261125, ledger: Path | None = None) -> Path:
    """Write the day's export, open-items CSV and config into ``folder``; return the config."""
    folder.mkdir(parents=True, exist_ok=True)
    payments, open_items = generate(n, seed)
    export = folder / "paytrace.json"
    export.write_bytes(msgspec.json.encode({"success": True, "transactions": _records(payments)}))
    items = folder / "open_items.csv"
    _open_items_csv(open_items).to_csv(items, sep=";", index=False, encoding="utf-8-sig")
    config = folder / "day.toml"
    config.write_text(
        '[paytrace]\nsource = "file"\nfile = "paytrace.json"\n'
        'timezone = "America/Los_Angeles"\ncurrency = "USD"\n\n'
        '[abas]\nsource = "file"\nopen_items_file = "open_items.csv"\n\n'
        f'[ledger]\npath = "{ledger or folder / "ledger.sqlite3"}"\n\n'
        '[accounts]\ndefault = "18100"\n',
        encoding="utf-8",
    )
    return config


def _records(payments: pd.DataFrame) -> list[dict[str, object]]:
    local = payments["created_at"].dt.strftime("%m/%d/%Y %I:%M:%S %p").to_numpy(dtype=object)
    settled = payments["status"].to_numpy() == "settled"
    declined = payments["status"].to_numpy() == "declined"
    amounts = payments["amount_cents"].to_numpy(dtype=np.int64)
    records: list[dict[str, object]] = []
    columns = zip(
        payments["transaction_id"],
        payments["kind"],
        amounts,
        local,
        settled,
        declined,
        payments["invoice_ref"],
        payments["description"],
        payments["purchase_order"],
        payments["paytrace_customer_id"],
        strict=True,
    )
    for tid, kind, cents, at, is_settled, is_declined, ref, text, po, payer in columns:
        records.append(
            {
                "transaction_id": int(tid),
                "transaction_type": _TYPE[kind],
                "amount": f"{cents // 100}.{cents % 100:02d}",
                "response_code": 102 if is_declined else 101,
                "approval_message": "DECLINED" if is_declined else "Approved",
                "credit_card": {"masked_number": "************4242"},
                "card_type": "VISA",
                "created": {"at": at},
                "settled": at if is_settled else "",
                "invoice_id": ref,
                "description": text,
                "customer_reference_id": po,
                "customer_id": payer,
                "batch_number": 1,
            }
        )
    return records


def _open_items_csv(items: pd.DataFrame) -> pd.DataFrame:
    def amount(cents: pd.Series) -> pd.Series:
        whole = cents.to_numpy(dtype=np.int64)
        return pd.Series([f"{c // 100},{c % 100:02d}" for c in whole])

    def day(column: pd.Series) -> pd.Series:
        return column.dt.strftime("%d.%m.%Y").fillna("")

    bp = items["discount_bp"].to_numpy(dtype=np.int64)
    return pd.DataFrame(
        {
            "invoice_no": items["invoice_no"],
            "customer_no": items["customer_no"],
            "customer_name": items["customer_name"],
            "invoice_date": day(items["invoice_date"]),
            "due_date": day(items["due_date"]),
            "currency": items["currency"],
            "gross_amount": amount(items["gross_cents"]),
            "open_amount": amount(items["open_cents"]),
            "discount_percent": [f"{b // 100},{b % 100:02d}" if b else "" for b in bp],
            "discount_until": day(items["discount_until"]),
        }
    )


#: the day every generated payment falls on (PayTrace time zone)
WINDOW_DAY: dt.date = DAY
