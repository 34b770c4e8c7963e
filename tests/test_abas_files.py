import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import Workbook

from paytrace_abas.abas.files import ExportTable, read_open_items_export
from paytrace_abas.abas.normalize import (
    _columns,
    _normalize_row,
    normalize_open_items,
    open_items_frame,
)
from paytrace_abas.errors import InputFileError

HEADER = (
    "invoice_no;customer_no;customer_name;invoice_date;due_date;currency;gross_amount;"
    "open_amount;discount_percent;discount_until"
)


def load(path: Path, columns: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    return normalize_open_items(read_open_items_export(path, columns or {}))


def write_csv(tmp_path: Path, *lines: str, bom: bool = True) -> Path:
    path = tmp_path / "op.csv"
    path.write_text(("\ufeff" if bom else "") + "\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_csv_with_bom_decimal_comma_and_german_dates(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path,
        HEADER,
        "400101;70001;Cascade Hydraulics Inc.;01.10.2026;31.10.2026;usd;"
        "1.248,50;1.000,00;2,00;10.10.2026",
    )
    row = load(path).iloc[0]
    assert (row["invoice_no"], row["customer_no"], row["currency"]) == ("400101", "70001", "USD")
    assert (row["gross_cents"], row["open_cents"], row["discount_bp"]) == (124850, 100000, 200)
    assert row["invoice_date"].date() == dt.date(2026, 10, 1)
    assert row["discount_until"].date() == dt.date(2026, 10, 10)
    assert row["source_line"] == f"{path} line 2"


def test_optional_columns_may_be_empty(tmp_path: Path) -> None:
    row = load(write_csv(tmp_path, HEADER, "1;2;;;;EUR;;5,00;;", bom=False)).iloc[0]
    assert (row["gross_cents"], row["open_cents"], row["discount_bp"]) == (500, 500, 0)


def test_non_numeric_amount_names_file_line_and_column(tmp_path: Path) -> None:
    path = write_csv(tmp_path, HEADER, "1;2;;;;EUR;;5,00;;", "3;4;;;;EUR;;12a;;")
    with pytest.raises(InputFileError) as caught:
        load(path)
    assert str(caught.value) == (
        f"{path} line 3, column open_amount: '12a' is not an amount with a decimal comma "
        "(like 1.234,56)"
    )


def test_bad_date_and_missing_column(tmp_path: Path) -> None:
    with pytest.raises(
        InputFileError, match="line 2, column invoice_date: '2026-10-01' is not a date"
    ):
        load(write_csv(tmp_path, HEADER, "1;2;;2026-10-01;;EUR;;5,00;;"))
    with pytest.raises(InputFileError, match="line 1: missing column\\(s\\) open_amount"):
        load(write_csv(tmp_path, "invoice_no;customer_no;currency", "1;2;EUR"))


def test_duplicate_invoice_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(InputFileError, match="line 3: invoice 1 appears twice"):
        load(write_csv(tmp_path, HEADER, "1;2;;;;EUR;;5,00;;", "1;2;;;;EUR;;6,00;;"))


def test_column_mapping_renames_other_exports(tmp_path: Path) -> None:
    path = write_csv(tmp_path, "Rechnung;Kunde;Waehrung;Offen", "400;70;EUR;9,99")
    columns = {
        "invoice_no": "Rechnung",
        "customer_no": "Kunde",
        "currency": "Waehrung",
        "open_amount": "Offen",
    }
    row = load(path, columns).iloc[0]
    assert (row["invoice_no"], row["customer_no"], row["open_cents"]) == ("400", "70", 999)


def test_xlsx_export(tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(HEADER.split(";"))
    sheet.append(
        [
            "400101",
            70001,
            "Cascade",
            dt.datetime(2026, 10, 1),
            None,
            "USD",
            1248.5,
            "1.248,50",
            2,
            None,
        ]
    )
    path = tmp_path / "op.xlsx"
    book.save(path)
    row = load(path).iloc[0]
    assert (row["invoice_no"], row["customer_no"], row["open_cents"], row["gross_cents"]) == (
        "400101",
        "70001",
        124850,
        124850,
    )
    assert row["discount_bp"] == 200
    assert row["invoice_date"].date() == dt.date(2026, 10, 1)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputFileError, match="abas open-items file .* does not exist"):
        load(tmp_path / "nope.csv")


def test_the_column_wise_read_gives_what_the_row_by_row_read_gives() -> None:
    amounts = ["1.234,56", "-0,50", "12,5", "+5", "7", "1 000,00", "999.999.999.999,99", "0,00"]
    rows = [
        {
            "invoice_no": f" {400100 + n} ",
            "customer_no": "10001",
            "customer_name": "Müller GmbH " if n % 2 else "",
            "invoice_date": "01.11.2026",
            "due_date": "" if n % 3 else "30.11.2026",
            "currency": "eur" if n % 2 else "USD",
            "gross_amount": "" if n % 4 == 0 else amounts[(n + 3) % len(amounts)],
            "open_amount": amount,
            "discount_percent": ["", "2", "2,5", "0"][n % 4],
            "discount_until": "" if n % 2 else "10.11.2026",
        }
        for n, amount in enumerate(amounts)
    ]
    table = ExportTable(Path("items.csv"), rows, list(range(2, 2 + len(rows))))
    places = [f"items.csv line {line}" for line in table.line_numbers]
    by_row = open_items_frame(
        [_normalize_row(row, where) for row, where in zip(rows, places, strict=True)]
    )
    assert _columns(table, places) is not None  # the column-wise read took them all
    pd.testing.assert_frame_equal(normalize_open_items(table), by_row)
    assert by_row["open_cents"].tolist()[:3] == [123456, -50, 1250]
