"""Workbooks in tests: the small run written out, and any workbook read back into plain
JSON-able data (what golden files compare)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import load_workbook

from paytrace_abas.report import RunHeader, with_reasons, write_workbook
from tests.support.builders import GENERATED_AT


def dump_workbook(path: Path) -> dict[str, Any]:
    """Sheet names in order, and per sheet: frozen cell, filter, rows of values, number formats."""
    workbook = load_workbook(path)
    cached = load_workbook(path, data_only=True)
    sheets = []
    for sheet in workbook.worksheets:
        rows = []
        formats = {}
        for row in sheet.iter_rows():
            values = []
            for cell in row:
                if cell.data_type == "f":
                    value = cached[sheet.title][cell.coordinate].value
                    values.append({"formula": cell.value, "cached": value})
                else:
                    values.append(_plain(cell.value))
                if cell.value is not None and cell.number_format != "General":
                    formats[cell.coordinate] = cell.number_format
            while values and values[-1] is None:
                values.pop()
            rows.append(values)
        sheets.append(
            {
                "name": sheet.title,
                "freeze": sheet.freeze_panes,
                "filter": sheet.auto_filter.ref,
                "rows": rows,
                "formats": formats,
            }
        )
    return {"sheets": sheets}


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    return value


def compact_json(document: dict[str, Any]) -> str:
    """JSON with one sheet row per line, so a golden file reads like the sheet."""
    lines = ["{", '  "sheets": [']
    for number, sheet in enumerate(document["sheets"]):
        lines.append("    {")
        for key in ("name", "freeze", "filter"):
            lines.append(f'      "{key}": {json.dumps(sheet[key], ensure_ascii=False)},')
        lines.append('      "rows": [')
        rows = [json.dumps(row, ensure_ascii=False) for row in sheet["rows"]]
        lines.extend(f"        {row}," for row in rows[:-1])
        if rows:
            lines.append(f"        {rows[-1]}")
        lines.append("      ],")
        formats = json.dumps(sheet["formats"], ensure_ascii=False, indent=8)
        lines.append(f'      "formats": {formats[:-1]}      }}')
        lines.append("    }" + ("," if number < len(document["sheets"]) - 1 else ""))
    lines.extend(["  ]", "}"])
    return "\n".join(lines) + "\n"


def sheet_holding(workbook: Path, transaction_id: str) -> str:
    """The name of the sheet with a Resolution column whose row names the transaction."""
    book = load_workbook(workbook, read_only=True)
    try:
        for sheet in book.worksheets:
            rows = sheet.iter_rows(values_only=True)
            header = next(rows, ())
            if "Resolution" in header and any(str(row[0]) == transaction_id for row in rows):
                return str(sheet.title)
    finally:
        book.close()
    raise AssertionError(f"no sheet with a Resolution column holds {transaction_id}")


def type_decisions(workbook: Path, decisions: dict[str, dict[str, tuple[str, str]]]) -> None:
    """What a clerk does in Excel: per sheet and transaction, type Resolution and Note; save."""
    book = load_workbook(workbook)
    for sheet_name, by_transaction in decisions.items():
        sheet = book[sheet_name]
        header = [cell.value for cell in sheet[1]]
        rows = {
            str(row[0].value): number
            for number, row in enumerate(sheet.iter_rows(min_row=2), start=2)
        }
        for transaction_id, (text, note) in by_transaction.items():
            number = rows[transaction_id]
            sheet.cell(number, header.index("Resolution") + 1).value = text
            if note:
                sheet.cell(number, header.index("Note") + 1).value = note
    book.save(workbook)


def data_rows(workbook: Any, name: str) -> list[tuple[Any, ...]]:
    """The rows of a table sheet between its header and its totals row."""
    body: list[tuple[Any, ...]]
    _, *body = workbook[name].iter_rows(values_only=True)
    return body[: next(n for n, row in enumerate(body) if row[0] == "Total")]


def write_small_workbook(
    path: Path,
    run: tuple[pd.DataFrame, pd.DataFrame],
    postings: pd.DataFrame,
    dead_letters: pd.DataFrame,
    language: str,
    locale: str,
) -> None:
    """The small run's workbook, with the columns planning adds, in one language and locale."""
    results, payments = run
    # An evidence column the matching engine may add: shown, whatever its name.
    results = results.assign(candidate_count=[1, 1, 0, 0, 0, 2])
    # What the pipeline adds once a plan exists: the counter account and the posting state.
    results = results.assign(
        account=["1360", "", "", "", "", ""], posting_state=["posted", "", "", "", "", ""]
    )
    header = RunHeader(
        "20261126T063000Z", "2026-11-25", False, "USD", GENERATED_AT, locale, language
    )
    results = with_reasons(results, language, locale)
    write_workbook(path, header, results, payments, postings, dead_letters)
