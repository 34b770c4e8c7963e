"""The Summary sheet: the run in numbers, and the way to every other sheet."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
from openpyxl.cell import Cell, WriteOnlyCell
from openpyxl.styles import Border, Font, PatternFill, Side
from openpyxl.worksheet.hyperlink import Hyperlink

from paytrace_abas.frames import records
from paytrace_abas.matching import category_totals, hit_rate, payment_hit_rate
from paytrace_abas.models import EXCEPTIONS, NON_MONEY, Category, open_exception_mask
from paytrace_abas.money import cents_to_decimal
from paytrace_abas.report import formats, labels
from paytrace_abas.report.labels import CATEGORY_COLOURS
from paytrace_abas.report.printing import PageLayout, fit_to_page_width
from paytrace_abas.report.styles import Styles, font
from paytrace_abas.report.tables import WrittenTable

if TYPE_CHECKING:  # a private module of openpyxl, for annotations only
    from openpyxl.worksheet._write_only import WriteOnlyWorksheet

_TITLE = font(bold=True, size=14)
_BOLD = font(bold=True)
_PLAIN = font()
_CODE = font(bold=True, color="3F3F76")
_LINK = font(color="0563C1", underline="single")
_TOP = Border(top=Side(style="thin", color="808080"))
_WIDTHS = {"A": 50, "B": 22, "C": 12, "D": 18}


@dataclass(frozen=True)
class SummaryFacts:
    """Everything the Summary sheet shows."""

    title: str
    lines: Sequence[tuple[str, Any]]
    results: pd.DataFrame
    postings: pd.DataFrame
    sheets: Sequence[tuple[str, WrittenTable]]
    #: (CSV file beside the workbook, rows) of matched rows past the sheet's limit
    #: (table key, file, rows) of the tables' rows past the limit, in CSV files beside it
    files: Sequence[tuple[str, Path, int]] = ()
    #: a sheet has a Resolution column: show its syntax
    syntax: bool = False
    #: (text key, batches, cents) of the settlement, shown under the PayTrace total
    settled: Sequence[tuple[str, int, int]] = ()


def write_summary(
    sheet: WriteOnlyWorksheet,
    styles: Styles,
    facts: SummaryFacts,
    language: str,
    page: PageLayout | None = None,
) -> None:
    """Fill the (first) Summary sheet once every other sheet is written."""
    writer = _Summary(sheet, styles, language)
    dimensions: Any = sheet  # the stubs lack column_dimensions on write-only sheets
    for column, width in _WIDTHS.items():
        dimensions.column_dimensions[column].width = width
    fit_to_page_width(sheet, page=page, orientation="portrait")  # four columns, a long list
    sheet.append([writer.cell(facts.title, font=_TITLE)])
    sheet.append([])
    for label, value in facts.lines:
        sheet.append([writer.cell(label, font=_BOLD), writer.cell(value)])
    sheet.append([])
    if facts.results.empty:
        # an empty table alone would not say whether anything was looked at
        sheet.append([writer.cell(labels.text("no_transactions", language), font=_BOLD)])
        sheet.append([])
    writer.category_table(facts.results)
    writer.settled(facts.settled)
    sheet.append([])
    writer.open_exceptions(facts.results)
    sheet.append([])
    writer.rates(facts.results)
    if not facts.postings.empty:
        sheet.append([])
        writer.postings(facts.postings)
    sheet.append([])
    writer.sheet_index(facts.sheets)
    writer.file_index(facts.files)
    if facts.syntax:
        sheet.append([])
        writer.syntax()


class _Summary:
    def __init__(self, sheet: WriteOnlyWorksheet, styles: Styles, language: str) -> None:
        self.sheet = sheet
        self.styles = styles
        self.language = language

    def cell(
        self,
        value: Any,
        font: Font | None = None,
        number_format: str | None = None,
        fill: str = "",
        border: Border | None = None,
    ) -> Cell:
        if isinstance(value, str):
            cell = WriteOnlyCell(self.sheet, value=value)
            cell.data_type = "s"  # our own words, but never let one start a formula
        else:
            cell = WriteOnlyCell(self.sheet, value=value)
        cell.font = font if font is not None else _PLAIN
        if number_format:
            cell.number_format = number_format
        if fill:
            cell.fill = PatternFill("solid", start_color=fill, end_color=fill)
        if border is not None:
            cell.border = border
        return cell

    def money(self, cents: int, font: Font | None = None, border: Border | None = None) -> Cell:
        # openpyxl writes a Decimal exactly as its text; its stubs only admit float.
        return self.cell(cents_to_decimal(cents), font, self.styles.money_format, border=border)

    def count(self, count: int, font: Font | None = None, border: Border | None = None) -> Cell:
        return self.cell(count, font, formats.COUNT_FORMAT, border=border)

    def header(self, *texts: str) -> None:
        self.sheet.append([self.cell(t, font=_BOLD, border=Border(bottom=_TOP.top)) for t in texts])

    def category_table(self, results: pd.DataFrame) -> None:
        language = self.language
        self.header(
            labels.column_label("category", language),
            "Code",
            labels.column_label("count", language),
            labels.column_label("amount", language),
        )
        for row in records(category_totals(results)):
            category = Category(row["category"])
            self.sheet.append(
                [
                    self.cell(
                        labels.category_name(category, language), fill=CATEGORY_COLOURS[category]
                    ),
                    self.cell(category.value),
                    self.count(int(row["count"])),
                    self.money(int(row["amount_cents"])),
                ]
            )
        self.sheet.append([])
        groups = (
            ("matched_total", {Category.MATCHED}),
            ("exceptions_total", set(EXCEPTIONS)),
            ("not_money_total", set(NON_MONEY)),
        )
        for key, members in groups:
            part = results[results["category"].isin([c.value for c in members])]
            self.sheet.append(
                [
                    self.cell(labels.text(key, language)),
                    None,
                    self.count(len(part)),
                    self.money(int(part["amount_cents"].sum())),
                ]
            )
        self.sheet.append(
            [
                self.cell(labels.text("paytrace_total", language), _BOLD, border=_TOP),
                self.cell("", border=_TOP),
                self.count(len(results), _BOLD, _TOP),
                self.money(int(results["amount_cents"].sum()), _BOLD, _TOP),
            ]
        )

    def settled(self, lines: Sequence[tuple[str, int, int]]) -> None:
        """Net settled money in batches, under the PayTrace total."""
        for key, batches, cents in lines:
            label = self.cell(labels.text(key, self.language))
            self.sheet.append([label, None, self.count(batches), self.money(cents)])

    def open_exceptions(self, results: pd.DataFrame) -> None:
        """What still waits for a clerk, by the definition ``show`` and the period report
        use; and, when there are any, the exceptions decided before (shown pre-filled)."""
        decided = (
            results["decided_run"].astype(bool)
            if "decided_run" in results.columns
            else pd.Series(False, index=results.index)
        )
        lines = [("open_exceptions", open_exception_mask(results["category"], decided))]
        waiting = open_exception_mask(results["category"], pd.Series(False, index=results.index))
        if (waiting & decided).any():
            lines.append(("decided_exceptions", waiting & decided))
        for key, mask in lines:
            part = results[mask]
            self.sheet.append(
                [
                    self.cell(labels.text(key, self.language)),
                    None,
                    self.count(len(part)),
                    self.money(int(part["amount_cents"].sum())),
                ]
            )

    def rates(self, results: pd.DataFrame) -> None:
        for key, rate in (
            ("hit_rate", payment_hit_rate(results)),
            ("money_rate", hit_rate(results)),
        ):
            if rate is not None:
                self.sheet.append(
                    [
                        self.cell(labels.text(key, self.language)),
                        self.cell(rate, None, formats.SHARE_FORMAT),
                    ]
                )

    def postings(self, postings: pd.DataFrame) -> None:
        language = self.language
        self.header(
            labels.text("postings_by_status", language),
            "",
            labels.column_label("count", language),
            labels.column_label("amount", language),
        )
        for row in records(
            postings.groupby("status", sort=True)["amount_cents"]
            .agg(["count", "sum"])
            .reset_index()
        ):
            self.sheet.append(
                [
                    self.cell(str(row["status"])),
                    None,
                    self.count(int(row["count"])),
                    self.money(int(row["sum"])),
                ]
            )

    def syntax(self) -> None:
        """What a clerk may type into Resolution, in the workbook's language."""
        self.sheet.append([self.cell(labels.text("syntax_title", self.language), font=_BOLD)])
        for example, meaning in labels.SYNTAX[self.language]:
            self.sheet.append([self.cell(example, font=_CODE), self.cell(meaning)])

    def sheet_index(self, sheets: Sequence[tuple[str, WrittenTable]]) -> None:
        language = self.language
        self.header(labels.text("sheets", language), "", labels.text("rows", language))
        for _key, written in sheets:
            for name, count in zip(written.sheet_names, written.sheet_rows, strict=True):
                link = self.cell(name, font=_LINK)
                link.hyperlink = Hyperlink(ref="", location=f"'{name}'!A1", display=name)
                self.sheet.append([link, None, self.count(count)])

    def file_index(self, files: Sequence[tuple[str, Path, int]]) -> None:
        """Files beside the workbook, linked by name (the link works while they stay together)."""
        for key, path, count in files:
            self.sheet.append([])
            self.sheet.append([self.cell(labels.text(f"more_{key}", self.language), _BOLD)])
            link = self.cell(path.name, font=_LINK)
            link.hyperlink = Hyperlink(ref="", target=path.name, display=path.name)
            self.sheet.append([link, None, self.count(count)])
