"""A whole dry run the way one would write it with a strong library at each step.

The yardstick of ``bench/end_to_end.py``: the same files in, the same kinds of files out.

1. msgspec decodes the PayTrace export into Structs of the fields used;
2. pandas reads the ``;`` open-items CSV (decimal commas, DD.MM.YYYY dates);
3. the card-state and window rules on whole columns;
4. the two matching passes in DuckDB (``_matching_duckdb.py``);
5. msgspec dumps the plan (a posting per matched invoice);
6. openpyxl writes a write-only workbook: a sheet per category, the matched rows capped at
   ``MATCHED_CAP`` and the rest in a CSV beside it.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import msgspec
import numpy as np
import pandas as pd
from _matching_duckdb import match_with_duckdb
from openpyxl import Workbook

from paytrace_abas.config import MatchingSettings

MATCHED_CAP = 100_000
_ZONE = "America/Los_Angeles"


class _Created(msgspec.Struct):
    at: str = ""


class _Record(msgspec.Struct):
    transaction_id: int | str
    transaction_type: str = "SALE"
    amount: str | float = "0"
    response_code: int | None = None
    created: _Created = msgspec.field(default_factory=_Created)
    settled: str = ""
    invoice_id: str = ""
    description: str = ""
    customer_reference_id: str = ""
    customer_id: str = ""
    card_type: str = ""
    batch_number: int | None = None


class _Body(msgspec.Struct):
    success: bool
    transactions: list[_Record]


def run(export: Path, open_items_csv: Path, day: dt.date, out: Path) -> dict[str, int]:
    """The whole dry run; returns counts per category."""
    payments = _payments(export, day)
    items = _open_items(open_items_csv)
    results = match_with_duckdb(payments, items, MatchingSettings(), threads=2)
    matched = results[results["category"] == "matched"]
    _plan(matched, payments, out / "plan.json")
    _workbook(results, out / "reconcile.xlsx")
    return {str(k): int(v) for k, v in results["category"].value_counts().items()}


def _payments(export: Path, day: dt.date) -> pd.DataFrame:
    body = msgspec.json.decode(export.read_bytes(), type=_Body)
    records = body.transactions
    frame = pd.DataFrame(
        {
            "transaction_id": [str(r.transaction_id) for r in records],
            "transaction_type": [r.transaction_type.upper() for r in records],
            "amount": [str(r.amount) for r in records],
            "response_code": [r.response_code for r in records],
            "created": [r.created.at for r in records],
            "settled": [r.settled for r in records],
            "invoice_ref": [r.invoice_id for r in records],
            "description": [r.description for r in records],
            "purchase_order": [r.customer_reference_id for r in records],
            "paytrace_customer_id": [r.customer_id for r in records],
            "card_type": [r.card_type for r in records],
        }
    )
    stamp = "%m/%d/%Y %I:%M:%S %p"
    created = pd.to_datetime(frame["created"], format=stamp).dt.tz_localize(_ZONE)
    settled = pd.to_datetime(frame["settled"].replace("", None), format=stamp)
    settled = settled.dt.tz_localize(_ZONE)
    types = {"SALE": "sale", "DECLINED": "sale", "REFUND": "refund", "VOID": "void"}
    kind = frame["transaction_type"].map(types)
    declined = frame["response_code"].isin([102, 105]) | (frame["transaction_type"] == "DECLINED")
    status = np.where(
        declined,
        "declined",
        np.where(kind == "void", "voided", np.where(settled.notna(), "settled", "pending")),
    )
    # Exact, without Decimal or float: the export writes every amount with two decimals.
    cents = frame["amount"].str.replace(".", "", regex=False).astype("int64")
    business = settled.fillna(created).dt.date
    frame = frame.assign(
        kind=kind,
        status=status,
        amount_cents=cents,
        currency="USD",
        created_at=created.dt.tz_convert("UTC"),
        paid_on=created.dt.date,
    )
    return frame[business == day].reset_index(drop=True)


def _open_items(path: Path) -> pd.DataFrame:
    frame = pd.read_csv(
        path, sep=";", dtype=str, keep_default_na=False, encoding="utf-8-sig", engine="c"
    )

    def cents(column: str) -> pd.Series:
        # Exact: every amount has two decimals after its comma (an empty cell is 0).
        text = frame[column].str.replace(".", "", regex=False).str.replace(",", "", regex=False)
        return text.replace("", "0").astype("int64")

    def day(column: str) -> pd.Series:
        return pd.to_datetime(frame[column].replace("", None), format="%d.%m.%Y")

    return pd.DataFrame(
        {
            "invoice_no": frame["invoice_no"],
            "customer_no": frame["customer_no"],
            "currency": frame["currency"],
            "gross_cents": cents("gross_amount"),
            "open_cents": cents("open_amount"),
            "discount_bp": cents("discount_percent"),
            "discount_until": day("discount_until"),
            "invoice_date": day("invoice_date"),
        }
    )


def _plan(matched: pd.DataFrame, payments: pd.DataFrame, path: Path) -> None:
    lines = matched[["transaction_id", "invoice_nos", "applied_cents"]].explode(
        ["invoice_nos", "applied_cents"]
    )
    facts = payments.set_index("transaction_id")
    paid_on = facts["paid_on"].reindex(lines["transaction_id"]).astype(str).to_numpy()
    postings = [
        {"transaction_id": t, "invoice_no": i, "amount_cents": int(a), "paid_on": d}
        for t, i, a, d in zip(
            lines["transaction_id"],
            lines["invoice_nos"],
            lines["applied_cents"],
            paid_on,
            strict=True,
        )
    ]
    document: dict[str, Any] = {"format_version": 1, "postings": postings}
    path.write_bytes(msgspec.json.format(msgspec.json.encode(document), indent=2))


def _workbook(results: pd.DataFrame, path: Path) -> None:
    columns = ["transaction_id", "category", "rule", "amount_cents", "difference_cents", "reason"]
    shown = results[columns].assign(
        invoices=results["invoice_nos"].map(lambda numbers: ", ".join(map(str, numbers)))
    )
    book = Workbook(write_only=True)
    for category, rows in shown.groupby("category", sort=True):
        if category == "matched" and len(rows) > MATCHED_CAP:
            rows.iloc[MATCHED_CAP:].to_csv(
                path.with_name(path.stem + "-matched.csv"), index=False, encoding="utf-8-sig"
            )
            rows = rows.iloc[:MATCHED_CAP]
        sheet = book.create_sheet(str(category)[:31])
        sheet.append(list(rows.columns))
        for row in rows.itertuples(index=False):
            sheet.append(list(row))
    book.save(path)
