import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from paytrace_abas.errors import InputFileError
from paytrace_abas.models import Window
from paytrace_abas.paytrace.chargebacks import read_chargebacks, with_original_payer
from paytrace_abas.paytrace.normalize import select_window

from .builders import payments

PACIFIC = ZoneInfo("America/Los_Angeles")
HEADER = "case_number,transaction_id,dispute_date,amount,currency,reason_code,reason"


def write(tmp_path: Path, *lines: str) -> Path:
    path = tmp_path / "cb.csv"
    path.write_text("\n".join([HEADER, *lines]) + "\n", encoding="utf-8")
    return path


def test_chargebacks_become_payment_rows_on_their_dispute_day(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "77,1000,11/25/2026,1248.50,USD,10.4,Other Fraud",
        "78,555,2026-11-20,12.00,,13.1,Not received",
    )
    frame = read_chargebacks(path, PACIFIC, "USD")
    assert list(frame["transaction_id"]) == ["CB-77", "CB-78"]
    assert list(frame["amount_cents"]) == [124850, 1200]
    assert list(frame["paid_on"]) == [dt.date(2026, 11, 25), dt.date(2026, 11, 20)]
    assert frame.iloc[0]["description"] == "Chargeback of transaction 1000: 10.4 Other Fraud"
    day = dt.date(2026, 11, 25)
    assert list(select_window(frame, Window(day, day), PACIFIC)["transaction_id"]) == ["CB-77"]


def test_the_disputed_sale_lends_its_payer(tmp_path: Path) -> None:
    frame = read_chargebacks(write(tmp_path, "77,1000,11/25/2026,10.00,USD,,"), PACIFIC, "USD")
    sale = payments(
        {"paytrace_customer_id": "70001", "billing_name": "Acme", "invoice_ref": "400100"}
    )
    row = with_original_payer(frame, sale).iloc[0]
    assert (row["paytrace_customer_id"], row["billing_name"], row["invoice_ref"]) == (
        "70001",
        "Acme",
        "400100",
    )


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("77,1000,11/25/2026,12a,USD,,", "line 2, column amount: '12a' is not a number"),
        (
            "77,1000,25.11.2026,1.00,USD,,",
            "line 2, column dispute_date: '25.11.2026' is not a date",
        ),
        ("77,,11/25/2026,1.00,USD,,", "line 2, column transaction_id: value is missing"),
    ],
)
def test_bad_rows_name_file_line_and_column(tmp_path: Path, line: str, message: str) -> None:
    with pytest.raises(InputFileError, match=message):
        read_chargebacks(write(tmp_path, line), PACIFIC, "USD")


def test_missing_columns_and_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "cb.csv"
    path.write_text("case,amount\n1,2\n")
    with pytest.raises(InputFileError, match="line 1: missing column\\(s\\) case_number"):
        read_chargebacks(path, PACIFIC, "USD")
    with pytest.raises(InputFileError, match="chargeback file .* does not exist"):
        read_chargebacks(tmp_path / "none.csv", PACIFIC, "USD")
