"""More matched rows than ``[report] matched_rows_limit``: the rest in a CSV beside the workbook."""

from __future__ import annotations

import codecs
import csv
import json
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from tests.support.cli import run_cli
from tests.support.paths import SAMPLE_DATA
from tests.support.workbooks import data_rows

CHARGEBACKS = str(SAMPLE_DATA / "chargebacks" / "disputes-2026-11-25.csv")


def _reconcile(config: Path, locale: str, limit: int | None) -> dict[str, object]:
    """The sample day's dry run (JSON document) with these [report] settings."""
    settings = f'locale = "{locale}"' + (f"\nmatched_rows_limit = {limit}" if limit else "")
    text = config.read_text(encoding="utf-8").replace('locale = "en_US"', settings)
    config.write_text(text, encoding="utf-8")
    out = config.parent.parent / "out"
    args = ["reconcile", "--date", "2026-11-25", "--dry-run", "--chargebacks", CHARGEBACKS]
    result = run_cli(config, *args, "--out", str(out), "--format", "json")
    assert result.exit_code == 0, result.output
    document: dict[str, object] = json.loads(result.stdout)
    return document


def _matched_ids(document: dict[str, object]) -> list[str]:
    items = document["items"]
    assert isinstance(items, list)
    return [item["transaction_id"] for item in items if item["category"] == "matched"]


@pytest.mark.parametrize(
    ("locale", "sheet", "total", "delimiter"),
    [("en_US", "Matched", "Total", ","), ("de_DE", "Zugeordnet", "Summe", ";")],
)
def test_matched_rows_past_the_limit_go_to_a_csv_linked_on_the_summary(
    demo_copy: Path, locale: str, sheet: str, total: str, delimiter: str
) -> None:
    document = _reconcile(demo_copy, locale, 10)
    workbook_path = Path(str(document["report"]))
    overflow = workbook_path.with_name(workbook_path.stem + "-matched.csv")
    matched = _matched_ids(document)
    assert len(matched) > 10

    book = openpyxl.load_workbook(workbook_path)
    header = next(book[sheet].iter_rows(max_row=1, values_only=True))
    _, *body = book[sheet].iter_rows(values_only=True)
    on_sheet = body[: next(n for n, row in enumerate(body) if row[0] == total)]
    assert len(on_sheet) == 10

    raw = overflow.read_bytes()
    assert raw.startswith(codecs.BOM_UTF8)
    lines = list(csv.reader(raw.decode("utf-8-sig").splitlines(), delimiter=delimiter))
    assert tuple(lines[0]) == header  # the same columns, with the same headers
    assert [row[0] for row in on_sheet] + [line[0] for line in lines[1:]] == matched
    amount = header.index("Amount" if total == "Total" else "Betrag")
    sheet_sum = sum(Decimal(str(row[amount])) for row in on_sheet)
    csv_sum = sum(Decimal(line[amount].replace(",", ".")) for line in lines[1:])
    matched_cents = document["amounts_cents"]
    assert isinstance(matched_cents, dict)
    assert (sheet_sum + csv_sum) * 100 == matched_cents["matched"]
    if delimiter == ";":
        assert any("," in line[amount] for line in lines[1:])  # decimal commas

    summary = book.worksheets[0]
    links = {cell.hyperlink.target for row in summary.iter_rows() for cell in row if cell.hyperlink}
    assert overflow.name in links


def test_up_to_the_limit_every_matched_row_stays_in_the_workbook(demo_copy: Path) -> None:
    document = _reconcile(demo_copy, "en_US", None)
    workbook_path = Path(str(document["report"]))
    assert not list(workbook_path.parent.glob("*-matched.csv"))
    book = openpyxl.load_workbook(workbook_path)
    assert [row[0] for row in data_rows(book, "Matched")] == _matched_ids(document)


def test_a_dry_runs_posting_lines_past_the_limit_go_to_a_csv_and_exceptions_stay(
    demo_copy: Path,
) -> None:
    unlimited = _reconcile(demo_copy, "en_US", None)
    full_book = openpyxl.load_workbook(Path(str(unlimited["report"])))
    every_line = [row[:2] for row in data_rows(full_book, "Postings")]
    assert len(every_line) > 10
    exception_sheets = [
        name for name in full_book.sheetnames if name not in {"Summary", "Matched", "Postings"}
    ]
    assert exception_sheets

    limited = _reconcile(demo_copy, "en_US", 10)
    workbook_path = Path(str(limited["report"]))
    book = openpyxl.load_workbook(workbook_path)
    on_sheet = [row[:2] for row in data_rows(book, "Postings")]
    assert len(on_sheet) == 10
    overflow = workbook_path.with_name(workbook_path.stem + "-postings.csv")
    lines = list(csv.reader(overflow.read_text(encoding="utf-8-sig").splitlines()))
    header = next(book["Postings"].iter_rows(max_row=1, values_only=True))
    assert tuple(lines[0]) == header
    in_csv = [(line[0], line[1] or None) for line in lines[1:]]
    assert on_sheet + in_csv == every_line  # every planned line, in the plan's order, once
    for name in exception_sheets:  # never cut
        assert data_rows(book, name) == data_rows(full_book, name)

    summary = book.worksheets[0]
    links = {cell.hyperlink.target for row in summary.iter_rows() for cell in row if cell.hyperlink}
    assert overflow.name in links
    texts = {cell.value for row in summary.iter_rows() for cell in row}
    assert "More posting lines, in a CSV file beside this workbook:" in texts
