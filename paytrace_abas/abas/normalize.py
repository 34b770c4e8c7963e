"""Raw open-items export rows -> the canonical ``open_items`` frame.

The frame is described in docs/contract.md#open_items.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pandas as pd

from paytrace_abas.abas.files import ExportTable
from paytrace_abas.errors import InputFileError, MoneyError
from paytrace_abas.models import CUSTOMER_COLUMNS, OPEN_ITEM_COLUMNS
from paytrace_abas.money import parse_decimal_comma, parse_percent_basis_points


def normalize_open_items(table: ExportTable) -> pd.DataFrame:
    """The open_items frame with integer cents and real dates; errors name file, line, column."""
    rows = [
        _normalize_row(row, f"{table.path} line {line}")
        for row, line in zip(table.rows, table.line_numbers, strict=True)
    ]
    return open_items_frame(rows)


def open_items_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """The canonical frame from parsed rows (file or REST): one shape, whatever the source."""
    frame = pd.DataFrame(rows, columns=OPEN_ITEM_COLUMNS)
    _reject_duplicate_invoices(frame)
    for column in ("gross_cents", "open_cents", "discount_bp"):
        frame[column] = frame[column].astype("Int64")
    for column in ("invoice_date", "due_date", "discount_until"):
        frame[column] = pd.to_datetime(frame[column]).astype("datetime64[s]")
    return frame


def _normalize_row(row: dict[str, str], where: str) -> dict[str, Any]:
    def cell(column: str, parse: Callable[[str], Any], required: bool = False) -> Any:
        text = row.get(column, "").strip()
        if not text:
            if required:
                raise InputFileError(f"{where}, column {column}: value is missing")
            return None
        try:
            return parse(text)
        except (MoneyError, ValueError) as exc:
            raise InputFileError(f"{where}, column {column}: {exc}") from None

    open_cents = cell("open_amount", parse_decimal_comma, required=True)
    gross_cents = cell("gross_amount", parse_decimal_comma)
    return {
        "invoice_no": cell("invoice_no", str, required=True),
        "customer_no": cell("customer_no", str, required=True),
        "customer_name": row.get("customer_name", "").strip(),
        "invoice_date": cell("invoice_date", _parse_date),
        "due_date": cell("due_date", _parse_date),
        "currency": cell("currency", parse_currency, required=True),
        "gross_cents": open_cents if gross_cents is None else gross_cents,
        "open_cents": open_cents,
        "discount_bp": cell("discount_percent", parse_percent_basis_points) or 0,
        "discount_until": cell("discount_until", _parse_date),
        "source_line": where,
    }


def _parse_date(text: str) -> dt.date:
    try:
        return dt.datetime.strptime(text, "%d.%m.%Y").date()
    except ValueError:
        raise ValueError(f"{text!r} is not a date like 25.11.2026 (DD.MM.YYYY)") from None


def parse_currency(text: str) -> str:
    code = text.upper()
    if len(code) != 3 or not code.isalpha():
        raise ValueError(f"{text!r} is not a 3-letter currency code")
    return code


def _reject_duplicate_invoices(frame: pd.DataFrame) -> None:
    repeated = frame[frame.duplicated("invoice_no", keep="first")]
    if not repeated.empty:
        first = repeated.iloc[0]
        raise InputFileError(f"{first['source_line']}: invoice {first['invoice_no']} appears twice")


def customers_frame(rows: list[dict[str, str]]) -> pd.DataFrame:
    """The canonical customers frame (all text); a customer number twice is an error."""
    frame = pd.DataFrame(rows, columns=CUSTOMER_COLUMNS).astype(object)
    frame = frame.fillna("")
    repeated = frame[frame.duplicated("customer_no", keep="first")]
    if not repeated.empty:
        first = repeated.iloc[0]
        where, number = first["source_line"], first["customer_no"]
        raise InputFileError(f"{where}: customer {number} appears twice")
    return frame
