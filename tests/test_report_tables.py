"""Streaming tables: typed cells, safety of external text, and continuation past the row limit."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import Workbook, load_workbook

from paytrace_abas.report import RunHeader, tables, write_workbook
from paytrace_abas.report.cells import Kind
from paytrace_abas.report.labels import continuation_name
from paytrace_abas.report.styles import Styles
from paytrace_abas.report.tables import Column, TableSpec, write_table

from .workbook_data import GENERATED_AT
from .workbook_dump import dump_workbook

SPEC = TableSpec(
    name="Unmatched",
    columns=(
        Column("id"),
        Column("day", Kind.DATE),
        Column("amount", Kind.MONEY, total=True),
        Column("text"),
    ),
    labels=("Transaction", "Day", "Amount", "Text"),
    colour="FFC7CE",
    total_label="Total",
)
TEXTS = ("Continued on sheet {name}.", "Continued from sheet {name}.", "No rows.")


@pytest.fixture(autouse=True, params=["private hooks", "public append"])
def writer_path(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Every test here runs on openpyxl's private writer hooks and on the public fallback."""
    monkeypatch.setattr(tables, "PRIVATE_WRITER_HOOKS", request.param == "private hooks")
    return str(request.param)


def write(path: Path, rows: list[tuple[object, ...]], row_limit: int = 1_048_576) -> list[str]:
    workbook = Workbook(write_only=True)
    written = write_table(workbook, Styles("USD", "en_US"), SPEC, rows, row_limit, TEXTS)
    workbook.save(path)
    return written.sheet_names


def test_every_kind_of_cell_reads_back_with_its_type_and_format(tmp_path: Path) -> None:
    path = tmp_path / "t.xlsx"
    write(path, [("T1", dt.date(2026, 11, 25), -1_234_567, "plain")])
    sheet = load_workbook(path)["Unmatched"]
    assert [c.value for c in sheet[1]] == ["Transaction", "Day", "Amount", "Text"]
    assert sheet["A2"].value == "T1"
    assert sheet["B2"].value == dt.datetime(2026, 11, 25)
    assert sheet["B2"].number_format == "mm/dd/yyyy"
    assert sheet["C2"].value == -12345.67
    assert sheet["C2"].number_format == '"$"#,##0.00;-"$"#,##0.00'
    assert sheet["A3"].value == "Total"
    assert sheet["C3"].value == "=SUBTOTAL(109,C2:C2)"
    assert sheet.freeze_panes == "B2"
    assert sheet.auto_filter.ref == "A1:D2"


@pytest.mark.parametrize("text", ["=SUM(A1:A9)", "+1 555 0100", "-2", "@cmd", "=cmd|' /C calc'!A0"])
def test_text_that_looks_like_a_formula_is_written_as_text(tmp_path: Path, text: str) -> None:
    path = tmp_path / "t.xlsx"
    write(path, [("T1", None, 100, text)])
    cell = load_workbook(path)["Unmatched"]["D2"]
    assert cell.value == text
    assert cell.data_type == "s"


def test_card_numbers_and_control_characters_never_reach_a_cell(tmp_path: Path) -> None:
    path = tmp_path / "t.xlsx"
    write(path, [("T1", None, 100, "paid with 4111-1111-1111-1111\x00\x07 thanks")])
    assert load_workbook(path)["Unmatched"]["D2"].value == "paid with ************1111 thanks"


def test_rows_beyond_the_limit_continue_on_numbered_sheets_with_notes(tmp_path: Path) -> None:
    path = tmp_path / "t.xlsx"
    rows = [(f"T{n}", None, 100, "") for n in range(1, 8)]
    names = write(path, rows, row_limit=7)  # 7 - header - totals - 2 notes = 3 data rows
    assert names == ["Unmatched", "Unmatched (2)", "Unmatched (3)"]
    workbook = load_workbook(path)
    first, second, third = (workbook[name] for name in names)
    assert [r[0] for r in first.iter_rows(values_only=True)] == [
        "Transaction",
        "T1",
        "T2",
        "T3",
        "Total",
        "Continued on sheet Unmatched (2).",
    ]
    assert [r[0] for r in second.iter_rows(values_only=True)] == [
        "Transaction",
        "T4",
        "T5",
        "T6",
        "Total",
        "Continued from sheet Unmatched.",
        "Continued on sheet Unmatched (3).",
    ]
    assert [r[0] for r in third.iter_rows(values_only=True)] == [
        "Transaction",
        "T7",
        "Total",
        "Continued from sheet Unmatched (2).",
    ]
    assert all(sheet.max_row <= 7 for sheet in (first, second, third))
    assert third["C3"].value == "=SUBTOTAL(109,C2:C2)"


def test_an_exactly_full_sheet_needs_no_continuation(tmp_path: Path) -> None:
    names = write(tmp_path / "t.xlsx", [(f"T{n}", None, 1, "") for n in range(3)], row_limit=7)
    assert names == ["Unmatched"]


def test_a_limit_without_room_for_data_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="no room"):
        write(tmp_path / "t.xlsx", [], row_limit=4)


def test_continuation_names_stay_within_excels_31_characters() -> None:
    name = continuation_name("Erstattungen & Rückbuchungen", 12)
    assert name == "Erstattungen & Rückbuchung (12)"
    assert len(name) == 31


def test_run_workbook_splits_a_big_category_and_lists_every_sheet_on_the_summary(
    tmp_path: Path, small_run: tuple[pd.DataFrame, pd.DataFrame]
) -> None:
    results, payments = small_run
    many = pd.concat([results[results["category"] == "unmatched"]] * 5, ignore_index=True)
    many["transaction_id"] = [f"U{n}" for n in range(5)]
    pay = pd.concat([payments[payments["transaction_id"] == "T3"]] * 5, ignore_index=True)
    pay["transaction_id"] = many["transaction_id"]
    header = RunHeader("R1", "2026-11-25", True, "USD", GENERATED_AT)
    path = tmp_path / "run.xlsx"
    write_workbook(path, header, many, pay, row_limit=8)  # 8 - 5 (with help note) = 3 rows
    workbook = load_workbook(path)
    assert workbook.sheetnames == ["Summary", "Unmatched", "Unmatched (2)", "Matched", "Postings"]
    summary = [row[:3] for row in workbook["Summary"].iter_rows(values_only=True)]
    index = [row[0] for row in summary].index("Sheets")
    assert summary[index + 1 : index + 5] == [
        ("Unmatched", None, 3),
        ("Unmatched (2)", None, 2),
        ("Matched", None, 0),
        ("Postings", None, 0),
    ]


def _cells(path: Path) -> dict[str, object]:
    """Per sheet, values, formats and formulas (cached totals dropped), and every cell's style."""
    dump = dump_workbook(path)
    for sheet in dump["sheets"]:
        for row in sheet["rows"]:
            for value in row:
                if isinstance(value, dict):
                    value.pop("cached")
    styles = [
        (
            sheet.title,
            cell.coordinate,
            cell.font.b,
            cell.font.i,
            cell.fill.fgColor.rgb,
            cell.alignment.wrap_text,
            cell.alignment.vertical,
            getattr(cell.border.top, "style", None),
            getattr(cell.border.bottom, "style", None),
        )
        for sheet in load_workbook(path).worksheets
        for row in sheet.iter_rows()
        for cell in row
    ]
    return {"dump": dump, "styles": styles}


def test_public_fallback_writes_the_same_cells_as_the_private_writer_hooks(
    tmp_path: Path,
    small_run: tuple[pd.DataFrame, pd.DataFrame],
    posting_rows: pd.DataFrame,
    dead_letter_rows: pd.DataFrame,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    results, payments = small_run
    header = RunHeader("R1", "2026-11-25", False, "USD", GENERATED_AT, "de_DE", "de")
    written = {}
    for hooks in (True, False):
        monkeypatch.setattr(tables, "PRIVATE_WRITER_HOOKS", hooks)
        path = tmp_path / f"run-{hooks}.xlsx"
        write_workbook(path, header, results, payments, posting_rows, dead_letter_rows)
        written[hooks] = _cells(path)
    assert written[True]["dump"]["sheets"], "the workbook has sheets to compare"
    assert written[False] == written[True]
