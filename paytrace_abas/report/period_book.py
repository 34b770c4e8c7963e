"""The period workbook: consolidated totals over many runs, postings and the open exceptions."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from paytrace_abas.frames import records
from paytrace_abas.money import cents_to_decimal
from paytrace_abas.report import formats, labels
from paytrace_abas.report.cells import Kind
from paytrace_abas.report.labels import CATEGORY_COLOURS, NEUTRAL_COLOUR
from paytrace_abas.report.period import PeriodReport
from paytrace_abas.report.printing import PageLayout, fit_to_page_width, header_text, paper_size
from paytrace_abas.report.run_book import POSTING_COLUMNS, TableBook
from paytrace_abas.report.styles import Styles, font
from paytrace_abas.report.tables import EXCEL_MAX_ROWS, Column

DAILY_COLUMNS = (
    Column("day", Kind.DATE),
    Column("category"),
    Column("count", Kind.COUNT, total=True),
    Column("amount", Kind.MONEY, total=True),
)
_MONEY_COLUMNS = (
    Column("count", Kind.COUNT, total=True),
    Column("received_cents", Kind.MONEY, total=True),
    Column("refunded_cents", Kind.MONEY, total=True),
    Column("net_cents", Kind.MONEY, total=True),
)
CARD_TYPE_COLUMNS = (Column("day", Kind.DATE), Column("card_type"), *_MONEY_COLUMNS)
BATCH_COLUMNS = (Column("day", Kind.DATE), Column("batch_number", Kind.COUNT), *_MONEY_COLUMNS)
OPEN_EXCEPTION_COLUMNS = (
    Column("transaction_id"),
    Column("day", Kind.DATE),
    Column("category"),
    Column("amount", Kind.MONEY, total=True),
    Column("age_days", Kind.COUNT),
    Column("invoices"),
    Column("reason", wrap=True),
    Column("first_seen"),
    Column("run_id"),
)
_BOLD = font(bold=True)


@dataclass(frozen=True)
class PeriodHeader:
    """Who asked for the report, in which currency and language."""

    currency: str
    generated_at: dt.datetime
    locale: str = "en_US"
    language: str = "en"


def write_period_workbook(
    path: Path, header: PeriodHeader, report: PeriodReport, row_limit: int = EXCEL_MAX_ROWS
) -> None:
    """Write the consolidated workbook of a period."""
    language = header.language
    workbook = Workbook(write_only=True)
    summary = workbook.create_sheet(labels.sheet_name("summary", language))
    styles = Styles(header.currency, header.locale)
    window = formats.window_text(report.first_day, report.last_day, header.locale)
    page = PageLayout(
        paper_size=paper_size(header.locale),
        header=header_text(f"{labels.text('window', language)}: {window}"),
        footer="&A · " + labels.text("page_of", language),
    )
    book = TableBook(workbook, styles, language, row_limit, page)
    book.table("daily", NEUTRAL_COLOUR, DAILY_COLUMNS, report.daily)
    book.table("card_types", NEUTRAL_COLOUR, CARD_TYPE_COLUMNS, report.card_types)
    book.table("batches", NEUTRAL_COLOUR, BATCH_COLUMNS, report.batches)
    book.table("postings", NEUTRAL_COLOUR, POSTING_COLUMNS, report.postings)
    book.table(
        "open_exceptions",
        CATEGORY_COLOURS["unmatched"],
        OPEN_EXCEPTION_COLUMNS,
        report.open_exceptions,
    )
    _write_summary(summary, styles, header, report, page)
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(path)


def _write_summary(
    sheet: Any, styles: Styles, header: PeriodHeader, report: PeriodReport, page: PageLayout
) -> None:
    language, locale = header.language, header.locale
    sheet.column_dimensions["A"].width = 44
    sheet.column_dimensions["B"].width = 24
    sheet.column_dimensions["C"].width = 18
    fit_to_page_width(sheet, page=page)

    def cell(value: Any, style: Font | None = None, number_format: str | None = None) -> Any:
        item = WriteOnlyCell(sheet, value=value)
        if isinstance(value, str):
            item.data_type = "s"
        item.font = style if style is not None else font()
        if number_format:
            item.number_format = number_format
        return item

    sheet.append([cell(labels.text("period_title", language), font(bold=True, size=14))])
    sheet.append([])
    window = formats.window_text(report.first_day, report.last_day, locale)
    generated = formats.moment_text(header.generated_at, locale)
    for key, value in (("window", window), ("generated", generated), ("currency", header.currency)):
        sheet.append([cell(labels.text(key, language), _BOLD), cell(value)])
    sheet.append([cell(labels.text("runs", language), _BOLD), cell(report.run_count)])
    sheet.append([])
    sheet.append(
        [cell(labels.column_label(key, language), _BOLD) for key in ("category", "count", "amount")]
    )
    for row in records(report.categories):
        sheet.append(
            [
                cell(labels.category_name(str(row["category"]), language)),
                cell(int(row["count"]), None, formats.COUNT_FORMAT),
                cell(cents_to_decimal(int(row["amount_cents"])), None, styles.money_format),
            ]
        )
    sheet.append([])
    open_items = report.open_exceptions
    sheet.append([cell(labels.text("open_exceptions", language), _BOLD), cell(len(open_items))])
    if not open_items.empty:
        oldest = int(open_items["age_days"].max())
        sheet.append([cell(labels.text("oldest", language), _BOLD), cell(oldest)])
