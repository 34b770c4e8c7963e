"""The run workbook as it prints and as a clerk fills it in: paper, fonts, groups, input cells."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from paytrace_abas.plan.resolutions import Assign, Ignore, WriteOff, parse_resolution
from paytrace_abas.report import RunHeader, console_summary, labels, write_workbook
from paytrace_abas.report.styles import FONT_NAME, INPUT_FILL

from .test_report_golden import write_small_workbook
from .workbook_data import GENERATED_AT

LOCALES = [("en", "en_US", 1), ("de", "de_DE", 9)]  # Excel's paper codes: Letter, A4


def _small_book(
    tmp_path: Path,
    run: tuple[pd.DataFrame, pd.DataFrame],
    postings: pd.DataFrame,
    dead_letters: pd.DataFrame,
    language: str,
    locale: str,
) -> list[Worksheet]:
    path = tmp_path / "run.xlsx"
    write_small_workbook(path, run, postings, dead_letters, language, locale)
    return list(load_workbook(path).worksheets)


def _header(sheet: Worksheet) -> list[str]:
    return [str(cell.value) for cell in sheet[1]]


@pytest.mark.parametrize(("language", "locale", "paper"), LOCALES)
def test_every_sheet_prints_on_the_locales_paper_with_window_run_sheet_and_pages(
    tmp_path: Path,
    small_run: tuple[pd.DataFrame, pd.DataFrame],
    posting_rows: pd.DataFrame,
    dead_letter_rows: pd.DataFrame,
    language: str,
    locale: str,
    paper: int,
) -> None:
    sheets = _small_book(tmp_path, small_run, posting_rows, dead_letter_rows, language, locale)
    window = "25.11.2026" if language == "de" else "Nov 25, 2026"
    for sheet in sheets:
        assert int(sheet.page_setup.paperSize) == paper, sheet.title
        assert sheet.sheet_properties.pageSetUpPr.fitToPage, sheet.title
        assert window in sheet.oddHeader.center.text, sheet.title
        footer = sheet.oddFooter.center.text
        assert "20261126T063000Z" in footer and "&A" in footer, sheet.title
        assert "&P" in footer and "&N" in footer, sheet.title
        assert f"{FONT_NAME},Regular" in (sheet.oddFooter.center.font or ""), sheet.title
    for sheet in sheets[1:]:
        assert sheet.page_setup.orientation == "landscape", sheet.title
        assert sheet.print_title_rows == "$1:$1", sheet.title


@pytest.mark.parametrize(("language", "locale", "paper"), LOCALES)
def test_every_written_cell_names_the_font_headers_included(
    tmp_path: Path,
    small_run: tuple[pd.DataFrame, pd.DataFrame],
    posting_rows: pd.DataFrame,
    dead_letter_rows: pd.DataFrame,
    language: str,
    locale: str,
    paper: int,
) -> None:
    sheets = _small_book(tmp_path, small_run, posting_rows, dead_letter_rows, language, locale)
    unnamed = [
        f"{sheet.title}!{cell.coordinate}"
        for sheet in sheets
        for row in sheet.iter_rows()
        for cell in row
        if cell.value is not None and cell.font.name != FONT_NAME
    ]
    assert unnamed == []


def test_technical_columns_are_a_collapsed_group_and_text_never_touches_a_number(
    tmp_path: Path,
    small_run: tuple[pd.DataFrame, pd.DataFrame],
    posting_rows: pd.DataFrame,
    dead_letter_rows: pd.DataFrame,
) -> None:
    sheets = _small_book(tmp_path, small_run, posting_rows, dead_letter_rows, "en", "en_US")
    partial = next(sheet for sheet in sheets if sheet.title == "Partial payments")
    header = _header(partial)
    hidden = {
        label
        for letter, label in zip("ABCDEFGHIJKLMNOPQ", header, strict=False)
        if partial.column_dimensions[letter].hidden
        and partial.column_dimensions[letter].outline_level == 1
    }
    assert hidden == {"Rule", "Runner-up", "PayTrace customer"}
    assert "Confidence" not in header  # a constant per rule: no evidence on an exception
    # Customer follows the right-aligned Amount/Difference columns: left, indented
    customer = partial.cell(2, header.index("Customer") + 1)
    assert customer.value == "C2"
    assert customer.alignment.horizontal == "left" and customer.alignment.indent >= 1
    amount = partial.cell(2, header.index("Amount") + 1)
    assert amount.alignment.horizontal is None and not amount.alignment.indent


@pytest.mark.parametrize(("language", "locale", "paper"), LOCALES)
def test_resolution_and_note_look_like_input_and_explain_their_syntax(
    tmp_path: Path,
    small_run: tuple[pd.DataFrame, pd.DataFrame],
    posting_rows: pd.DataFrame,
    dead_letter_rows: pd.DataFrame,
    language: str,
    locale: str,
    paper: int,
) -> None:
    sheets = _small_book(tmp_path, small_run, posting_rows, dead_letter_rows, language, locale)
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
        decisions = parse_resolution(example)
        assert decisions and all(isinstance(d, Assign | WriteOff | Ignore) for d in decisions)
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
