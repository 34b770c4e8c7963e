"""Raw open-items export rows -> the canonical ``open_items`` frame.

The frame is described in docs/contract.md#open_items.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from typing import Any

import pandas as pd

from paytrace_abas.abas.files import ExportTable
from paytrace_abas.errors import InputFileError, MoneyError
from paytrace_abas.models import CUSTOMER_COLUMNS, OPEN_ITEM_COLUMNS
from paytrace_abas.money import parse_decimal_comma, parse_percent_basis_points


def normalize_open_items(table: ExportTable) -> pd.DataFrame:
    """The open_items frame with integer cents and real dates; errors name file, line, column."""
    places = [f"{table.path} line {line}" for line in table.line_numbers]
    frame = _with_dates(table, places)
    if frame is None:  # a bad cell: row by row, the first one is named
        rows = [_normalize_row(row, where) for row, where in zip(table.rows, places, strict=True)]
        return open_items_frame(rows)
    return _canonical(frame)


def open_items_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """The canonical frame from parsed rows (file or REST): one shape, whatever the source."""
    return _canonical(pd.DataFrame(rows, columns=OPEN_ITEM_COLUMNS))


def open_items_from_columns(columns: Mapping[str, list[Any]]) -> pd.DataFrame:
    """The canonical frame from parsed columns (the REST source decodes a page at a time);
    amounts go to integers with their gaps, never through a float."""
    frame = pd.DataFrame({column: _column(column, columns[column]) for column in OPEN_ITEM_COLUMNS})
    return _canonical(frame)


def _column(column: str, values: list[Any]) -> Any:
    return pd.array(values, dtype="Int64") if column in _CENTS else values


def _canonical(frame: pd.DataFrame) -> pd.DataFrame:
    _reject_duplicate_invoices(frame)
    for column in _CENTS:
        frame[column] = frame[column].astype("Int64")
    for column in _DATES:
        frame[column] = pd.to_datetime(frame[column]).astype("datetime64[s]")
    return frame


_DATES = ("invoice_date", "due_date", "discount_until")
_CENTS = ("gross_cents", "open_cents", "discount_bp")


def _with_dates(table: ExportTable, places: list[str]) -> pd.DataFrame | None:
    """The frame with the date columns parsed for all rows at once (strptime per cell took
    half the time of a big export); None if any cell is bad."""
    frame = _columns(table, places)
    if frame is None:
        return None
    for column in _DATES:
        given = frame[column].fillna("").astype(object)
        present = (given != "").to_numpy()
        days = pd.to_datetime(given.where(present), format="%d.%m.%Y", errors="coerce")
        if bool((days.isna().to_numpy() & present).any()):
            return None
        frame[column] = days
    return frame


def _columns(table: ExportTable, places: list[str]) -> pd.DataFrame | None:
    """The frame a column at a time, dates still text; None at the first cell that is missing
    or not in its usual form (``_normalize_row`` then words it, or takes the unusual form)."""
    rows = table.rows

    def texts(column: str) -> list[str]:
        return [row.get(column, "").strip() for row in rows]

    columns: dict[str, Any] = {
        name: texts(name) for name in ("invoice_no", "customer_no", "customer_name", "currency")
    }
    if any("" in columns[name] for name in ("invoice_no", "customer_no", "currency")):
        return None
    open_cents = _cents(texts("open_amount"))
    gross_cents = _cents(texts("gross_amount"))
    currencies = _each_distinct(columns["currency"], parse_currency)
    discounts = _each_distinct(texts("discount_percent"), parse_percent_basis_points)
    if open_cents is None or gross_cents is None or currencies is None or discounts is None:
        return None
    if None in open_cents:
        return None
    columns["currency"] = currencies
    columns["gross_cents"] = [
        o if g is None else g for o, g in zip(open_cents, gross_cents, strict=True)
    ]
    columns["open_cents"] = open_cents
    columns["discount_bp"] = [bp or 0 for bp in discounts]
    for name in _DATES:
        columns[name] = [text or None for text in texts(name)]
    columns["source_line"] = places
    return pd.DataFrame({name: columns[name] for name in OPEN_ITEM_COLUMNS})


#: the usual abas amount: digits (thousands dotted) and two decimals after a comma
_PLAIN_AMOUNT = re.compile(r"-?(?:\d+|\d{1,3}(?:\.\d{3})+),\d\d")


def _cents(texts: list[str]) -> list[int | None] | None:
    """Cents per cell (None where empty), as ``parse_decimal_comma`` reads them; None if one
    does not read. The usual form is read as the integer it is, any other by the parser."""
    cents: list[int | None] = []
    for text in texts:
        if not text:
            cents.append(None)
        elif _PLAIN_AMOUNT.fullmatch(text) and len(text) < 16:  # far below MAX_CENTS
            cents.append(int(text.replace(".", "").replace(",", "")))
        else:
            try:
                cents.append(parse_decimal_comma(text))
            except MoneyError:
                return None
    return cents


def _each_distinct(texts: list[str], parse: Callable[[str], Any]) -> list[Any] | None:
    """``parse`` of each distinct non-empty text once (None where empty); None if one fails."""
    try:
        parsed = {text: parse(text) for text in set(texts) if text}
    except (MoneyError, ValueError):
        return None
    return [parsed[text] if text else None for text in texts]


def _normalize_row(
    row: dict[str, str], where: str, parse_date: Callable[[str], Any] | None = None
) -> dict[str, Any]:
    dated = parse_date or _parse_date

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
        "invoice_date": cell("invoice_date", dated),
        "due_date": cell("due_date", dated),
        "currency": cell("currency", parse_currency, required=True),
        "gross_cents": open_cents if gross_cents is None else gross_cents,
        "open_cents": open_cents,
        "discount_bp": cell("discount_percent", parse_percent_basis_points) or 0,
        "discount_until": cell("discount_until", dated),
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
