import datetime as dt
from decimal import Decimal
from pathlib import Path

from openpyxl import load_workbook

from paytrace_abas.config import MatchingSettings
from paytrace_abas.matching import match_payments
from paytrace_abas.report import RunHeader, console_summary, write_workbook
from tests.support.builders import open_item, open_items_frame, payment, payments_frame

INVOICES = open_items_frame([open_item("400100", "70001", 10_000)])
HEADER = RunHeader("R1", "2026-11-25", True, "USD", dt.datetime(2026, 11, 26, 6, 0, tzinfo=dt.UTC))


def build(tmp_path: Path) -> Path:
    paid = payments_frame(
        [
            payment("1000", 10_000, ref="400100"),
            payment("1001", 12345, ref='=HYPERLINK("http://x")', billing_name="@evil"),
            payment("1002", 10_000, status="declined", description="card 4111111111111111"),
        ]
    )
    results = match_payments(paid, INVOICES, MatchingSettings())
    path = tmp_path / "run.xlsx"
    write_workbook(path, HEADER, results, paid)
    return path


def test_sheets_numbers_dates_and_formats(tmp_path: Path) -> None:
    book = load_workbook(build(tmp_path))
    assert book.sheetnames == ["Summary", "Unmatched", "Matched", "Postings", "Not money"]
    matched = book["Matched"]
    assert matched["A1"].value == "Transaction"
    assert matched["A2"].value == "1000"
    assert matched["B2"].value == dt.datetime(2026, 11, 25)
    assert matched["B2"].number_format == "mm/dd/yyyy"
    assert matched["E2"].value == 100
    assert matched["E2"].number_format == '"$"#,##0.00;-"$"#,##0.00'
    assert matched.freeze_panes == "B2"
    summary = {row[1]: row[2:4] for row in book["Summary"].iter_rows(values_only=True) if row}
    assert summary["matched"] == (1, 100)
    count, amount = summary["unmatched"]
    assert (count, Decimal(str(amount))) == (1, Decimal("123.45"))  # Excel keeps a float


def test_external_text_is_never_a_formula(tmp_path: Path) -> None:
    exceptions = load_workbook(build(tmp_path))["Unmatched"]
    rows = list(exceptions.iter_rows(min_row=2, max_row=2))
    values = {cell.value for row in rows for cell in row}
    assert '=HYPERLINK("http://x")' in values and "@evil" in values
    for row in rows:
        for cell in row:
            assert cell.data_type != "f"


def test_console_summary_in_both_locales() -> None:
    paid = payments_frame([payment("1000", 123456, ref="400100"), payment("1001", 100)])
    items = open_items_frame([open_item("400100", "70001", 123456)])
    results = match_payments(paid, items, MatchingSettings())
    english = console_summary(results, "USD", "en_US")
    german = console_summary(results, "EUR", "de_DE")
    assert "$1,234.56" in english and "1.234,56\xa0€" in german
    assert "Matched share of received money: 99.9%" in english
