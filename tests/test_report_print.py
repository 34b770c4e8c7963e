"""The run workbook as it prints and as a clerk fills it in: paper, fonts, groups, input cells."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from paytrace_abas.models import Category
from paytrace_abas.plan.syntax import (
    Assign,
    Ignore,
    Skonto,
    WriteOff,
    parse_resolution,
    split_revision,
)
from paytrace_abas.report import RunHeader, console_summary, labels, write_workbook
from paytrace_abas.report.styles import FONT_NAME, INPUT_FILL
from tests.support.builders import GENERATED_AT
from tests.support.workbooks import write_small_workbook

LOCALES = [("en", "en_US", 1), ("de", "de_DE", 9)]  # Excel's paper codes: Letter, A4


@dataclass(frozen=True)
class Book:
    language: str
    paper: int
    sheets: list[Worksheet]


@pytest.fixture(params=LOCALES, ids=[locale for _, locale, _ in LOCALES])
def book(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    small_run: tuple[pd.DataFrame, pd.DataFrame],
    posting_rows: pd.DataFrame,
    dead_letter_rows: pd.DataFrame,
) -> Book:
    """The small run workbook (tests/support/builders.py) in each language, read back."""
    language, locale, paper = request.param
    path = tmp_path / "run.xlsx"
    write_small_workbook(path, small_run, posting_rows, dead_letter_rows, language, locale)
    return Book(language, paper, list(load_workbook(path).worksheets))


def _untyped(sheet: Worksheet) -> Any:
    return sheet


def _header(sheet: Worksheet) -> list[str]:
    return [str(cell.value) for cell in sheet[1]]


def test_every_sheet_prints_on_the_locales_paper_with_window_run_sheet_and_pages(
    book: Book,
) -> None:
    sheets, language = book.sheets, book.language
    window = "25.11.2026" if language == "de" else "Nov 25, 2026"
    # openpyxl's stubs type these print settings optional; a written workbook has them all.
    for sheet in map(_untyped, sheets):
        assert int(sheet.page_setup.paperSize) == book.paper, sheet.title
        assert sheet.sheet_properties.pageSetUpPr.fitToPage, sheet.title
        assert window in sheet.oddHeader.center.text, sheet.title
        footer = sheet.oddFooter.center.text
        assert "20261126T063000Z" in footer and "&A" in footer, sheet.title
        assert "&P" in footer and "&N" in footer, sheet.title
        assert f"{FONT_NAME},Regular" in (sheet.oddFooter.center.font or ""), sheet.title
    for sheet in sheets[1:]:
        assert sheet.page_setup.orientation == "landscape", sheet.title
        assert sheet.print_title_rows == "$1:$1", sheet.title


def test_every_written_cell_names_the_font_headers_included(book: Book) -> None:
    sheets = book.sheets
    unnamed = [
        f"{sheet.title}!{cell.coordinate}"
        for sheet in sheets
        for row in sheet.iter_rows()
        for cell in row
        if cell.value is not None and cell.font.name != FONT_NAME
    ]
    assert unnamed == []


def test_technical_columns_are_a_collapsed_group_and_text_never_touches_a_number(
    book: Book,
) -> None:
    partial = book.sheets[2]  # after Summary and Dead letters
    assert partial.title == labels.sheet_name(Category.PARTIAL_PAYMENT, book.language)
    header = _header(partial)
    name = {key: labels.column_label(key, book.language) for key in labels.COLUMN_LABELS}
    hidden = {
        label
        for letter, label in zip("ABCDEFGHIJKLMNOPQ", header, strict=False)
        if partial.column_dimensions[letter].hidden
        and partial.column_dimensions[letter].outline_level == 1
    }
    assert hidden == {name["rule"], name["runner_up"], name["paytrace_customer_id"]}
    # a constant per rule: no evidence on an exception sheet
    assert name["rule_confidence"] not in header
    # Customer follows the right-aligned Amount/Difference columns: left, indented
    customer = partial.cell(2, header.index(name["customer_no"]) + 1)
    assert customer.value == "C2"
    assert customer.alignment.horizontal == "left" and customer.alignment.indent >= 1
    amount = partial.cell(2, header.index(name["amount"]) + 1)
    assert amount.alignment.horizontal is None and not amount.alignment.indent


def test_resolution_and_note_look_like_input_and_explain_their_syntax(book: Book) -> None:
    sheets, language = book.sheets, book.language
    resolution = labels.column_label("resolution", language)
    note = labels.column_label("note", language)
    decided = [sheet for sheet in sheets if resolution in _header(sheet)]
    assert len(decided) == 3  # partial, over, unmatched
    keyword = "zuordnen" if language == "de" else "assign"
    for sheet in decided:
        header = _header(sheet)
        for label in (resolution, note):
            column = header.index(label) + 1
            cell = sheet.cell(2, column)  # empty, waiting for the clerk
            assert cell.value is None
            assert cell.fill.start_color.rgb.endswith(INPUT_FILL)
            assert cell.border.left.style == "thin" and cell.border.bottom.style == "thin"
            (hint,) = [
                v for v in sheet.data_validations.dataValidation if cell.coordinate in v.sqref
            ]
            assert hint.showInputMessage and keyword in hint.prompt
        # output cells stay unfilled
        assert sheet.cell(2, 1).fill.fill_type is None


@pytest.mark.parametrize("language", labels.LANGUAGES)
def test_every_syntax_example_on_the_summary_is_a_decision_resolve_accepts(
    language: str,
) -> None:
    for example, _meaning in labels.SYNTAX[language]:
        decisions = parse_resolution(split_revision(example)[1])
        kinds = Assign | WriteOff | Ignore | Skonto
        assert decisions and all(isinstance(d, kinds) for d in decisions)
    prompt = labels.text("resolution_prompt", language)
    assert len(prompt) <= 255  # Excel's limit for an input message


def test_an_empty_window_says_so_on_the_console_and_the_summary(
    tmp_path: Path, small_run: tuple[pd.DataFrame, pd.DataFrame]
) -> None:
    results, payments = small_run
    empty = results.iloc[0:0]
    assert console_summary(empty, "USD", "en_US") == "no PayTrace transactions in this window"
    path = tmp_path / "run.xlsx"
    header = RunHeader("R1", "2026-12-24", True, "USD", GENERATED_AT, "de_DE", "de")
    write_workbook(path, header, empty, payments.iloc[0:0])
    summary = [row[0] for row in load_workbook(path).worksheets[0].iter_rows(values_only=True)]
    assert "Keine PayTrace-Transaktionen in diesem Zeitraum." in summary
