"""Matched rows and posting lines past ``[report] matched_rows_limit``: CSVs beside the workbook.

A sheet of a million matched rows makes a workbook that Excel opens in minutes, if at all; a
clerk needs the exceptions, and the matched rows only to look one up. The first rows stay on
the Matched sheet, the rest go to ``<workbook>-matched.csv`` with the same columns: UTF-8
with a byte order mark (Excel then reads it as UTF-8), ``;`` and decimal commas for a German
workbook (what Excel expects there), ``,`` and decimal points otherwise. The Postings sheet,
whose lines are mostly the matched payments' again, follows the same limit into
``<workbook>-postings.csv`` (docs/workbook.md). Exception sheets are never cut.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from paytrace_abas.money import cents_to_decimal
from paytrace_abas.report import labels
from paytrace_abas.report.cells import Kind, clean_text, is_missing
from paytrace_abas.report.rows import table_rows
from paytrace_abas.report.tables import Column

#: matched rows a run workbook holds by default (``[report] matched_rows_limit``)
MATCHED_ROWS_LIMIT = 100_000
_FORMULA_STARTS = ("=", "+", "-", "@")


def overflow_path(workbook: Path, key: str = "matched") -> Path:
    """Where a table's rows past the limit go (``key``: matched or postings): beside the
    workbook, named after it."""
    return workbook.with_name(f"{workbook.stem}-{key}.csv")


def write_overflow(
    path: Path,
    columns: Sequence[Column],
    frame: pd.DataFrame,
    language: str,
) -> list[tuple[Path, int]]:
    """(file, rows) of the rows of ``frame`` written to a CSV instead of a sheet, with the
    values the sheet would show (none when there are none)."""
    if frame.empty:
        return []
    headers = [labels.column_label(column.label_key, language) for column in columns]
    rows = table_rows(frame, columns, language)
    return [(path, write_overflow_csv(path, columns, headers, rows, language))]


def write_overflow_csv(
    path: Path,
    columns: Sequence[Column],
    headers: Sequence[str],
    rows: Iterable[Sequence[Any]],
    language: str,
) -> int:
    """Write the rows as CSV (the workbook's column headers first); returns how many."""
    german = language == "de"
    count = 0
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, delimiter=";" if german else ",")
        writer.writerow(headers)
        for row in rows:
            writer.writerow(
                [
                    _text(column.kind, value, german)
                    for column, value in zip(columns, row, strict=True)
                ]
            )
            count += 1
    return count


def _text(kind: Kind, value: Any, german: bool) -> str:
    """A value as the sheet shows it, in plain text: amounts as decimals, days as ISO dates."""
    if is_missing(value):
        return ""
    if kind is Kind.MONEY:
        amount = str(cents_to_decimal(int(value)))
        return amount.replace(".", ",") if german else amount
    if kind is Kind.DATE:
        return (value.date() if isinstance(value, dt.datetime) else value).isoformat()
    if kind is Kind.CONFIDENCE:
        share = f"{float(value):.2f}"
        return share.replace(".", ",") if german else share
    text = clean_text(value if isinstance(value, str) else str(value))
    # Excel evaluates a cell of an opened CSV that starts like a formula: keep it text.
    return "'" + text if text.startswith(_FORMULA_STARTS) else text
