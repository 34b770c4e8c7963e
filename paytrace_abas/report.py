"""The only openpyxl importer: the run workbook, and console tables via tabulate."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import Cell, WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from tabulate import tabulate

from paytrace_abas.frames import records
from paytrace_abas.matching import category_totals, hit_rate
from paytrace_abas.models import NON_MONEY, Category
from paytrace_abas.money import cents_to_decimal, format_cents
from paytrace_abas.privacy import mask_pans

SHEET_SUMMARY = "Summary"
SHEET_MATCHED = "Matched"
SHEET_EXCEPTIONS = "Exceptions"
SHEET_NOT_MONEY = "Not money"
MONEY_FORMAT = '#,##0.00 "{currency}"'
DATE_FORMAT = "yyyy-mm-dd"
_FORMULA_STARTS = ("=", "+", "-", "@")
_BOLD = Font(bold=True)


@dataclass(frozen=True)
class RunHeader:
    """What the Summary sheet says about the run itself."""

    run_id: str
    window: str
    dry_run: bool
    currency: str
    generated_at: dt.datetime


_MATCHED_COLUMNS: Sequence[tuple[str, str]] = (
    ("Transaction", "transaction_id"),
    ("Paid on", "paid_on"),
    ("Billing name", "billing_name"),
    ("Card", "card"),
    ("Amount", "amount"),
    ("Invoices", "invoices"),
    ("Customer", "customer_no"),
    ("Applied", "applied"),
    ("Discount", "discount"),
    ("Difference", "difference"),
    ("Rule", "rule"),
    ("Reason", "reason"),
)
_EXCEPTION_COLUMNS: Sequence[tuple[str, str]] = (
    ("Category", "category"),
    ("Transaction", "transaction_id"),
    ("Paid on", "paid_on"),
    ("Billing name", "billing_name"),
    ("Card", "card"),
    ("Amount", "amount"),
    ("Invoices", "invoices"),
    ("Difference", "difference"),
    ("Rule", "rule"),
    ("Reason", "reason"),
    ("Runner-up", "runner_up"),
    ("PayTrace customer", "customer_ref"),
    ("Reference text", "invoice_ref"),
)
_MONEY_KEYS = {"amount", "applied", "discount", "difference"}


def write_workbook(
    path: Path, header: RunHeader, results: pd.DataFrame, payments: pd.DataFrame
) -> None:
    """Write the run workbook: Summary, Matched, Exceptions and Not money sheets."""
    rows = _report_rows(results, payments)
    workbook = Workbook(write_only=True)
    _write_summary(workbook.create_sheet(SHEET_SUMMARY), header, results)
    money_format = MONEY_FORMAT.format(currency=header.currency)
    matched = [r for r in rows if r["category"] == Category.MATCHED.value]
    not_money = [r for r in rows if r["category"] in {c.value for c in NON_MONEY}]
    exceptions = [r for r in rows if r not in matched and r not in not_money]
    _write_table(workbook.create_sheet(SHEET_MATCHED), _MATCHED_COLUMNS, matched, money_format)
    _write_table(
        workbook.create_sheet(SHEET_EXCEPTIONS), _EXCEPTION_COLUMNS, exceptions, money_format
    )
    _write_table(
        workbook.create_sheet(SHEET_NOT_MONEY), _EXCEPTION_COLUMNS, not_money, money_format
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(path)


def console_summary(results: pd.DataFrame, currency: str, locale: str) -> str:
    """The per-category table a clerk sees after a run, plus the hit rate line."""
    totals = category_totals(results)
    table = [
        (row["category"], row["count"], format_cents(int(row["amount_cents"]), currency, locale))
        for row in records(totals)
    ]
    table.append(
        (
            "total",
            int(totals["count"].sum()),
            format_cents(int(totals["amount_cents"].sum()), currency, locale),
        )
    )
    text = tabulate(
        table, headers=["category", "count", "amount"], colalign=("left", "right", "right")
    )
    rate = hit_rate(results)
    if rate is not None:
        text += f"\n\nmatched share of received money: {rate:.1%}"
    return text


def _write_summary(sheet: WriteOnlyWorksheet, header: RunHeader, results: pd.DataFrame) -> None:
    money_format = MONEY_FORMAT.format(currency=header.currency)
    facts = [
        ("Run", header.run_id),
        ("Window", header.window),
        ("Mode", "dry run (nothing posted)" if header.dry_run else "posted"),
        ("Generated", header.generated_at.strftime("%Y-%m-%d %H:%M UTC")),
    ]
    for label, value in facts:
        sheet.append([_bold(sheet, label), value])
    sheet.append([])
    sheet.append([_bold(sheet, text) for text in ("Category", "Count", "Amount")])
    for row in records(category_totals(results)):
        sheet.append(
            [
                row["category"],
                int(row["count"]),
                _money(sheet, int(row["amount_cents"]), money_format),
            ]
        )
    rate = hit_rate(results)
    if rate is not None:
        sheet.append([])
        sheet.append(["Matched share of received money", f"{rate:.1%}"])


def _write_table(
    sheet: WriteOnlyWorksheet,
    columns: Sequence[tuple[str, str]],
    rows: Iterable[dict[str, Any]],
    money_format: str,
) -> None:
    sheet.freeze_panes = "A2"
    sheet.append([_bold(sheet, label) for label, _ in columns])
    for row in rows:
        sheet.append([_cell(sheet, key, row.get(key), money_format) for _, key in columns])


def _cell(sheet: WriteOnlyWorksheet, key: str, value: Any, money_format: str) -> Any:
    if key in _MONEY_KEYS and isinstance(value, int):
        return _money(sheet, value, money_format)
    if isinstance(value, dt.date):
        cell = WriteOnlyCell(sheet, value=dt.datetime.combine(value, dt.time()))
        cell.number_format = DATE_FORMAT
        return cell
    if isinstance(value, str):
        return _text(sheet, value)
    return value


def _text(sheet: WriteOnlyWorksheet, value: str) -> Cell:
    """External text as a plain string: never a formula, never a card number."""
    cell = WriteOnlyCell(sheet, value=mask_pans(value))
    if value.startswith(_FORMULA_STARTS):
        cell.data_type = "s"
    return cell


def _money(sheet: WriteOnlyWorksheet, cents: int, money_format: str) -> Cell:
    # openpyxl writes a Decimal exactly as its text; its stubs only admit float.
    cell = WriteOnlyCell(sheet, value=cents_to_decimal(cents))  # type: ignore[arg-type]
    cell.number_format = money_format
    return cell


def _bold(sheet: WriteOnlyWorksheet, text: str) -> Cell:
    cell = WriteOnlyCell(sheet, value=text)
    cell.font = _BOLD
    return cell


def _report_rows(results: pd.DataFrame, payments: pd.DataFrame) -> list[dict[str, Any]]:
    details = {str(p["transaction_id"]): p for p in records(payments)}
    rows = []
    for result in records(results):
        payment = details[str(result["transaction_id"])]
        rows.append(
            {
                "category": result["category"],
                "transaction_id": result["transaction_id"],
                "paid_on": payment["paid_on"],
                "billing_name": payment["billing_name"],
                "card": f"{payment['card_type']} …{payment['card_last4']}".strip(),
                "amount": int(result["amount_cents"]),
                "invoices": ", ".join(result["invoice_nos"]),
                "customer_no": result["customer_no"],
                "applied": int(sum(result["applied_cents"])),
                "discount": int(result["discount_cents"]),
                "difference": int(result["difference_cents"]),
                "rule": result["rule"],
                "reason": result["reason"],
                "runner_up": result["runner_up"],
                "customer_ref": payment["customer_ref"],
                "invoice_ref": payment["invoice_ref"],
            }
        )
    return rows
